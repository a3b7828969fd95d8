import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDirectorySnapshot } from './read-snapshot.js';

let root: string;
let dir: string;
let server: Server;
/** Regular files and directories: descriptors, kubeconfigs, an oversized file and editor artefacts. */
async function writeFixtureFiles(): Promise<void> {
  await mkdir(dir);
  await mkdir(join(dir, 'kube'));
  await writeFile(join(root, 'outside.kube.conf'), 'kind: Config\n');
  await writeFile(join(root, 'outside.yaml'), 'kind: Cluster\n');
  await writeFile(join(dir, 'east.yaml'), 'kind: Cluster\n');
  await writeFile(join(dir, 'east.kube.conf'), 'kind: Config\n');
  await chmod(join(dir, 'east.kube.conf'), 0o640);
  await writeFile(join(dir, 'kube', 'west.conf'), 'kind: Config\n');
  await writeFile(join(dir, 'big.yaml'), 'x'.repeat(200));
  await writeFile(join(dir, 'east.yaml~'), 'old');
  await writeFile(join(dir, '.east.yaml.swp'), 'swap');
  await writeFile(join(dir, '4913'), '');
  await mkdir(join(dir, 'sub.yaml'));
}

/** Symbolic links (inside, outside, dangling, looping) and special files (FIFOs, a socket). */
async function makeLinksAndSpecialFiles(): Promise<void> {
  await symlink(join(dir, 'east.kube.conf'), join(dir, 'linked.conf'));
  await symlink('kube/west.conf', join(dir, 'west.kube.conf'));
  await symlink(join(dir, 'missing'), join(dir, 'dangling.yaml'));
  await symlink('loop.yaml', join(dir, 'loop.yaml'));
  await symlink(join(root, 'outside.yaml'), join(dir, 'out.yaml'));
  await symlink('../outside.kube.conf', join(dir, 'out.kube.conf'));
  execFileSync('mkfifo', [join(dir, 'fifo.yaml'), join(dir, 'notes.txt')]);
  server = createServer();
  await new Promise<void>((done) => server.listen(join(dir, 'sock.yaml'), done));
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshd-snapshot-'));
  dir = join(root, 'multicluster');
  await writeFixtureFiles();
  await makeLinksAndSpecialFiles();
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  await rm(root, { recursive: true, force: true });
});

describe('readDirectorySnapshot', () => {
  it('reads regular files with bytes and mode, skipping editor artefacts', async () => {
    const snapshot = await readDirectorySnapshot(dir, { maxFileBytes: 100 });
    expect(Object.keys(snapshot.files).sort()).toEqual(['big.yaml', 'east.kube.conf', 'east.yaml', 'linked.conf', 'west.kube.conf']);
    expect(new TextDecoder().decode(snapshot.files['east.yaml']?.bytes)).toBe('kind: Cluster\n');
    expect(snapshot.files['east.kube.conf']?.mode).toBe(0o640);
    expect(snapshot.files['linked.conf']?.size).toBe(13);
    expect(snapshot.skipped).toEqual({
      '.east.yaml.swp': 'hidden file',
      '4913': 'editor temporary file',
      'east.yaml~': 'editor backup or temporary file',
    });
  });

  it('records a file over the limit without reading it', async () => {
    const snapshot = await readDirectorySnapshot(dir, { maxFileBytes: 100 });
    expect(snapshot.files['big.yaml']).toEqual({ size: 200, mode: expect.any(Number) as number, bytes: new Uint8Array(0), tooLarge: true });
  });

  it('reads every file whole whatever its size: empty, one byte, several pages, exactly the limit', async () => {
    const sized = await mkdtemp(join(tmpdir(), 'meshd-sized-'));
    try {
      const sizes = { 'empty.yaml': 0, 'one.yaml': 1, 'pages.kube.conf': 20_000, 'limit.kube.conf': 65_536 };
      for (const [name, size] of Object.entries(sizes)) await writeFile(join(sized, name), Buffer.alloc(size, name.charCodeAt(0)));
      const snapshot = await readDirectorySnapshot(sized, { maxFileBytes: 65_536 });
      for (const [name, size] of Object.entries(sizes)) {
        expect(snapshot.files[name]?.size, name).toBe(size);
        expect(Buffer.from(snapshot.files[name]?.bytes ?? []).equals(Buffer.alloc(size, name.charCodeAt(0))), name).toBe(true);
      }
    } finally {
      await rm(sized, { recursive: true, force: true });
    }
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

describe('odd files are findings, never removals (L4): the snapshot records what each entry is', () => {
  it('records FIFOs, sockets, directories and dangling symlinks as unusable, without opening them (no hang on a FIFO)', async () => {
    const snapshot = await readDirectorySnapshot(dir);
    expect(snapshot.unusable).toEqual({
      'dangling.yaml': { kind: 'dangling-symlink' },
      'fifo.yaml': { kind: 'fifo' },
      kube: { kind: 'directory' },
      'loop.yaml': { kind: 'dangling-symlink' },
      'notes.txt': { kind: 'fifo' },
      'out.kube.conf': { kind: 'symlink-outside' },
      'out.yaml': { kind: 'symlink-outside' },
      'sock.yaml': { kind: 'socket' },
      'sub.yaml': { kind: 'directory' },
    });
  });
});

describe('symlinks out of the directory are not followed (O2)', () => {
  it('reads a symlink to a file inside the directory (or a subdirectory of it), not one that leads out', async () => {
    const snapshot = await readDirectorySnapshot(dir);
    expect(new TextDecoder().decode(snapshot.files['west.kube.conf']?.bytes)).toBe('kind: Config\n');
    expect(snapshot.files['out.yaml']).toBeUndefined();
    expect(snapshot.files['out.kube.conf']).toBeUndefined();
  });

  it('judges symlinks against the real directory when the directory itself is reached through a symlink', async () => {
    const alias = join(root, 'alias');
    await symlink(dir, alias);
    const snapshot = await readDirectorySnapshot(alias);
    expect(Object.keys(snapshot.files)).toContain('linked.conf');
    expect(snapshot.unusable['out.yaml']).toEqual({ kind: 'symlink-outside' });
  });
});
