// What validation and the desired mesh make of directory entries that are not regular files (L4, O2):
// pure tests on hand-built snapshots, so every kind (EACCES included) is covered without root tricks.
import { describe, expect, it } from 'vitest';
import { snapshotFromContents } from './memory-snapshot.js';
import { buildDesiredMesh } from './mesh.js';
import type { DirectorySnapshot, UnusableEntry, UnusableKind } from './snapshot.js';
import { sampleDirectory } from '@meshd/testkit';
import { validateDirectory } from './validate.js';

/** The sample directory with some files replaced by unusable entries. */
function snapshotWith(unusable: Record<string, UnusableEntry>): DirectorySnapshot {
  const files = Object.fromEntries(Object.entries(sampleDirectory()).filter(([name]) => !(name in unusable)));
  return { ...snapshotFromContents(files), unusable };
}

const lastGood = buildDesiredMesh(validateDirectory(snapshotFromContents(sampleDirectory())));

const KINDS: [UnusableEntry, string][] = [
  [{ kind: 'dangling-symlink' }, 'file is a symbolic link whose target does not exist'],
  [{ kind: 'symlink-outside' }, 'file is a symbolic link to a file outside the cluster directory, which meshd does not follow'],
  [{ kind: 'directory' }, 'file is a directory, not a file'],
  [{ kind: 'fifo' }, 'file is a named pipe (FIFO), not a regular file'],
  [{ kind: 'socket' }, 'file is a socket, not a regular file'],
  [{ kind: 'device' }, 'file is a device, not a regular file'],
  [{ kind: 'special' }, 'file is not a regular file'],
  [{ kind: 'unexaminable', code: 'EACCES' }, 'file cannot be examined (EACCES)'],
  [{ kind: 'vanished' }, 'file vanished or changed while meshd read the directory'],
];

describe('odd files are findings, never removals (L4)', () => {
  it('covers every kind of unusable entry', () => {
    const all: Record<UnusableKind, true> = {
      'dangling-symlink': true,
      'symlink-outside': true,
      directory: true,
      fifo: true,
      socket: true,
      device: true,
      special: true,
      unexaminable: true,
      vanished: true,
    };
    expect(KINDS.map(([e]) => e.kind).sort()).toEqual(Object.keys(all).sort());
  });

  it.each(KINDS)('a descriptor that became %o is an error naming the file, and the cluster keeps its last good version', (entry, message) => {
    const validation = validateDirectory(snapshotWith({ 'west.yaml': entry }));
    expect(validation.valid).toBe(false);
    expect(validation.findings).toEqual([
      { file: 'west.yaml', line: 1, col: 1, severity: 'error', message: `${message}: meshd keeps what it defined before (delete it to remove a cluster)` },
    ]);
    expect(validation.invalidFiles).toEqual(['west.yaml']);
    const mesh = buildDesiredMesh(validation, lastGood);
    expect(mesh?.remotes.map((r) => r.name)).toEqual(['east', 'west']);
    expect(mesh?.registryFiles).toEqual(lastGood?.registryFiles);
  });

  it('keeps the control plane when its descriptor becomes a FIFO (no "no control plane" verdict, nothing torn down)', () => {
    const validation = validateDirectory(snapshotWith({ 'cp.yaml': { kind: 'fifo' } }));
    expect(validation.directoryErrors).toEqual([]);
    expect(validation.invalidFiles).toEqual(['cp.yaml']);
    const mesh = buildDesiredMesh(validation, lastGood);
    expect(mesh?.controlPlane.name).toBe('cp');
    expect(mesh?.remotes.map((r) => r.name)).toEqual(['east', 'west']);
  });

  it('a descriptor that is odd before any good version defines nothing (and removes nothing else)', () => {
    const mesh = buildDesiredMesh(validateDirectory(snapshotWith({ 'west.yaml': { kind: 'directory' } })));
    expect(mesh?.remotes.map((r) => r.name)).toEqual(['east']);
  });

  it.each(KINDS)('a kubeconfig that is %o is an error on the descriptor naming it', (entry, message) => {
    const validation = validateDirectory(snapshotWith({ 'west.kube.conf': entry }));
    const predicate = message.replace(/^file /, '');
    expect(validation.findings).toEqual([
      {
        file: 'west.yaml',
        line: 9,
        col: 39,
        severity: 'error',
        message: `config.istio.io/accessConfigFile names "west.kube.conf", which ${predicate}`,
        field: 'config.istio.io/accessConfigFile',
      },
    ]);
    expect(buildDesiredMesh(validation, lastGood)?.remotes.map((r) => r.name)).toEqual(['east', 'west']);
  });

  it('says nothing about an odd entry that is neither descriptor-named nor named by a descriptor', () => {
    const validation = validateDirectory({
      ...snapshotFromContents(sampleDirectory()),
      unusable: { 'notes.txt': { kind: 'fifo' }, backup: { kind: 'directory' }, README: { kind: 'symlink-outside' } },
    });
    expect(validation.findings).toEqual([]);
    expect(validation.valid).toBe(true);
  });
});
