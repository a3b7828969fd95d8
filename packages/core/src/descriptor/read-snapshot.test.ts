import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDirectorySnapshot } from './read-snapshot.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshd-snapshot-'));
  await writeFile(join(dir, 'east.yaml'), 'kind: Cluster\n');
  await writeFile(join(dir, 'east.kube.conf'), 'kind: Config\n');
  await chmod(join(dir, 'east.kube.conf'), 0o640);
  await writeFile(join(dir, 'big.yaml'), 'x'.repeat(200));
  await writeFile(join(dir, 'east.yaml~'), 'old');
  await writeFile(join(dir, '.east.yaml.swp'), 'swap');
  await writeFile(join(dir, '4913'), '');
  await mkdir(join(dir, 'sub.yaml'));
  await symlink(join(dir, 'east.kube.conf'), join(dir, 'linked.conf'));
  await symlink(join(dir, 'missing'), join(dir, 'dangling.yaml'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readDirectorySnapshot', () => {
  it('reads regular files with bytes and mode, skipping editor artefacts and directories', async () => {
    const snapshot = await readDirectorySnapshot(dir, { maxFileBytes: 100 });
    expect(Object.keys(snapshot.files).sort()).toEqual(['big.yaml', 'east.kube.conf', 'east.yaml', 'linked.conf']);
    expect(new TextDecoder().decode(snapshot.files['east.yaml']?.bytes)).toBe('kind: Cluster\n');
    expect(snapshot.files['east.kube.conf']?.mode).toBe(0o640);
    expect(snapshot.files['linked.conf']?.size).toBe(13);
    expect(snapshot.skipped).toEqual({
      '.east.yaml.swp': 'hidden file',
      '4913': 'editor temporary file',
      'dangling.yaml': 'vanished or a dangling symlink',
      'east.yaml~': 'editor backup or temporary file',
      'sub.yaml': 'directory',
    });
  });

  it('records a file over the limit without reading it', async () => {
    const snapshot = await readDirectorySnapshot(dir, { maxFileBytes: 100 });
    expect(snapshot.files['big.yaml']).toEqual({ size: 200, mode: expect.any(Number) as number, bytes: new Uint8Array(0), tooLarge: true });
  });

  it('reports a missing directory instead of throwing', async () => {
    const snapshot = await readDirectorySnapshot(join(dir, 'nope'));
    expect(snapshot.problem).toBe('directory does not exist');
    expect(snapshot.files).toEqual({});
  });

  it('reports a file given as the directory', async () => {
    const snapshot = await readDirectorySnapshot(join(dir, 'east.yaml'));
    expect(snapshot.problem).toBe('is not a directory');
  });
});
