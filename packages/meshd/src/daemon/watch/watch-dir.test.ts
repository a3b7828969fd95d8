import { mkdtemp, rename, rm, symlink, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIRECTORY_ITSELF, isIgnoredEntry, watchDirectory, type DirectoryWatch } from './watch-dir.js';
import { silentLogger } from '@meshd/testkit';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let watch: DirectoryWatch | undefined;
let batches: string[][];

async function startWatch(): Promise<void> {
  watch = watchDirectory({ dir, onChange: (names) => batches.push([...names].sort()), logger: silentLogger(), debounceMs: 300 });
  await watch.ready;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshd-watch-'));
  batches = [];
  await writeFile(join(dir, 'east.yaml'), 'initial\n');
});

afterEach(async () => {
  await watch?.close();
  watch = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('watchDirectory', () => {
  it('turns 50 rapid writes to one descriptor into at most 3 callbacks naming it', async () => {
    await startWatch();
    for (let i = 0; i < 50; i++) {
      await writeFile(join(dir, 'east.yaml'), `version: ${i}\n`);
      await sleep(5);
    }
    await sleep(1500);
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(batches.flat().every((name) => name === 'east.yaml')).toBe(true);
  });

  it('reports nothing for editor temp files, backups, hidden files and subdirectories alone', async () => {
    await startWatch();
    await writeFile(join(dir, '.east.yaml.swp'), 'swap');
    await writeFile(join(dir, 'east.yaml~'), 'backup');
    await writeFile(join(dir, '#east.yaml#'), 'autosave');
    await writeFile(join(dir, '4913'), '');
    await writeFile(join(dir, 'east.yaml.tmp'), 'tmp');
    await writeFile(join(dir, 'east.yaml___jb_tmp___'), 'jb');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'west.yaml'), 'nested');
    await unlink(join(dir, '.east.yaml.swp'));
    await sleep(1200);
    expect(batches).toEqual([]);
  });

  it('reports an editor-style save (temp file renamed over the descriptor) as one change of the descriptor', async () => {
    await startWatch();
    await writeFile(join(dir, '.east.yaml.swp'), 'swap');
    await writeFile(join(dir, 'east.yaml.tmp'), 'new content\n');
    await rename(join(dir, 'east.yaml.tmp'), join(dir, 'east.yaml'));
    await unlink(join(dir, '.east.yaml.swp'));
    await sleep(1200);
    expect(batches).toEqual([['east.yaml']]);
  });

  it('reports added kubeconfigs and removed descriptors', async () => {
    await startWatch();
    await writeFile(join(dir, 'west.yaml'), 'west\n');
    await writeFile(join(dir, 'west.kube.conf'), 'kubeconfig\n');
    await sleep(1000);
    await unlink(join(dir, 'east.yaml'));
    await sleep(1000);
    expect(batches).toEqual([['west.kube.conf', 'west.yaml'], ['east.yaml']]);
  });
});

describe('isIgnoredEntry', () => {
  it('keeps the directory itself and plain files, drops artefacts and nested paths', () => {
    expect(isIgnoredEntry('/d', '/d')).toBe(false);
    expect(isIgnoredEntry('/d', '/d/east.yaml')).toBe(false);
    expect(isIgnoredEntry('/d', '/d/east.kube.conf')).toBe(false);
    expect(isIgnoredEntry('/d', '/d/.east.yaml.swp')).toBe(true);
    expect(isIgnoredEntry('/d', '/d/east.yaml.bak')).toBe(true);
    expect(isIgnoredEntry('/d', '/d/sub/east.yaml')).toBe(true);
  });
});

describe('watchDirectory when the directory itself comes and goes', () => {
  async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; batches: ${JSON.stringify(batches)}`);
      await sleep(20);
    }
  }
  const saw = (name: string): boolean => batches.some((b) => b.includes(name));

  it('reports rm -rf and a restore, says why it is missing meanwhile, and sees edits afterwards', async () => {
    const cluster = join(dir, 'multicluster');
    await mkdir(cluster);
    await writeFile(join(cluster, 'east.yaml'), 'east\n');
    const outer = dir;
    dir = cluster;
    await startWatch();
    dir = outer;
    await rm(cluster, { recursive: true });
    await until('the removal reported', () => saw(DIRECTORY_ITSELF));
    expect(watch?.problem()).toBe('does not exist');
    batches = [];
    await mkdir(cluster);
    await writeFile(join(cluster, 'east.yaml'), 'east again\n');
    await until('the restore reported', () => saw(DIRECTORY_ITSELF));
    expect(watch?.problem()).toBeUndefined();
    batches = [];
    await writeFile(join(cluster, 'west.yaml'), 'west\n');
    await until('an edit after the restore', () => saw('west.yaml'));
  });

  it('follows an atomic symlink swap (ln -s v2 D.new && mv -T D.new D) to the new target', async () => {
    await mkdir(join(dir, 'v1'));
    await mkdir(join(dir, 'v2'));
    await writeFile(join(dir, 'v2', 'east.yaml'), 'v2\n');
    const link = join(dir, 'current');
    await symlink(join(dir, 'v1'), link);
    const outer = dir;
    dir = link;
    await startWatch();
    dir = outer;
    await symlink(join(dir, 'v2'), join(dir, 'current.new'));
    await rename(join(dir, 'current.new'), link);
    await until('the swap reported', () => saw(DIRECTORY_ITSELF));
    batches = [];
    await writeFile(join(dir, 'v1', 'old.yaml'), 'not watched any more\n');
    await writeFile(join(dir, 'v2', 'west.yaml'), 'west\n');
    await until('an edit in the new target', () => saw('west.yaml'));
    expect(saw('old.yaml')).toBe(false);
  });

  it('starts on a missing directory and picks it up when it is created', async () => {
    const cluster = join(dir, 'later');
    const outer = dir;
    dir = cluster;
    await startWatch();
    dir = outer;
    expect(watch?.problem()).toBe('does not exist');
    await mkdir(cluster);
    await until('the creation reported', () => saw(DIRECTORY_ITSELF));
    await writeFile(join(cluster, 'east.yaml'), 'east\n');
    await until('a file in it', () => saw('east.yaml'));
  });
});
