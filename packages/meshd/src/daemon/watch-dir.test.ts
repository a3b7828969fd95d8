import { mkdtemp, rename, rm, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isIgnoredEntry, watchDirectory, type DirectoryWatch } from './watch-dir.js';
import { silentLogger } from './test-logger.js';

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
