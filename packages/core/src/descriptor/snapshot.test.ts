import { describe, expect, it } from 'vitest';
import { decodeText, ignoredReason, isDescriptorFileName } from './snapshot.js';

describe('directory entries', () => {
  it.each(['east.yaml', 'east.yml', 'EAST.YAML', 'east.kube.yaml'])('%s is a descriptor', (name) => {
    expect(isDescriptorFileName(name)).toBe(true);
  });

  it.each([
    ['.east.yaml', 'hidden file'],
    ['.east.yaml.swp', 'hidden file'],
    ['.#east.yaml', 'hidden file'],
    ['#east.yaml#', 'editor autosave file'],
    ['east.yaml~', 'editor backup or temporary file'],
    ['east.yaml.bak', 'editor backup or temporary file'],
    ['east.yaml.orig', 'editor backup or temporary file'],
    ['east.yaml.tmp', 'editor backup or temporary file'],
    ['4913', 'editor temporary file'],
    ['east.yaml___jb_tmp___', 'editor temporary file'],
    ['east.yaml.dpkg-new', 'package manager leftover'],
  ])('%s is ignored (%s)', (name, reason) => {
    expect(ignoredReason(name)).toBe(reason);
    expect(isDescriptorFileName(name)).toBe(false);
  });

  it.each(['east.yaml', 'east.kube.conf', 'kubeconfig'])('%s is read', (name) => {
    expect(ignoredReason(name)).toBeUndefined();
  });

  it('decodes UTF-8 text (dropping a BOM) and refuses binary', () => {
    expect(decodeText(new TextEncoder().encode('\uFEFFname: östra'))).toBe('name: östra');
    expect(decodeText(new Uint8Array([0x61, 0x00, 0x62]))).toBeUndefined();
    expect(decodeText(new Uint8Array([0xc3, 0x28]))).toBeUndefined();
  });
});
