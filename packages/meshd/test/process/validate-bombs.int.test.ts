// The attack report's L8 inputs given to the real `meshd validate` under a 64 MB heap: before the
// nesting pre-scan, a 1 MB `[[[…]]]` took 666 MB and died of "heap out of memory" under 256 MB. Now
// each is a FILE:LINE:COL finding and the process exits 1 — a functional check that memory stays low.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDirectory } from '@meshd/testkit';
import { ensureBuilt, MESHD_BIN } from '@meshd/testkit';

const MB = 1_000_000;
let root: string;
beforeAll(async () => {
  ensureBuilt();
  root = await mkdtemp(join(tmpdir(), 'meshd-bombs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const BOMBS: [string, Record<string, string>, string][] = [
  [
    'a 1 MB bracket bomb as a kubeconfig',
    { 'east.kube.conf': `${'['.repeat(MB / 2)}${']'.repeat(MB / 2)}` },
    'east.kube.conf:1:65: error: YAML nests deeper than 64 levels',
  ],
  [
    'a 1 MB brace bomb as a kubeconfig',
    { 'east.kube.conf': `${'{'.repeat(MB / 2)}${'}'.repeat(MB / 2)}` },
    'east.kube.conf:1:65: error: YAML nests deeper than 64 levels',
  ],
  ['a "- " bomb as a kubeconfig', { 'east.kube.conf': `${'- '.repeat(300_000)}x\n` }, 'east.kube.conf:1:129: error: YAML nests deeper than 64 levels'],
  [
    'a 60 KB bracket bomb as notes.yaml',
    { 'notes.yaml': `${'['.repeat(30_000)}${']'.repeat(30_000)}` },
    'notes.yaml:1:65: error: YAML nests deeper than 64 levels',
  ],
  [
    'the 1 MB bracket bomb as notes.yaml',
    { 'notes.yaml': `${'['.repeat(MB / 2)}${']'.repeat(MB / 2)}` },
    'notes.yaml:1:1: error: file is 1000000 bytes, over the 64 KiB limit for a cluster descriptor',
  ],
];

describe('a nesting limit before parsing (L8): meshd validate with a 64 MB heap', () => {
  it.each(BOMBS)('%s is a finding, exit 1', async (name, files, expected) => {
    const dir = join(root, name.replace(/\W+/g, '-'));
    await mkdir(dir);
    for (const [file, text] of Object.entries({ ...sampleDirectory(), ...files })) await writeFile(join(dir, file), text, { mode: 0o600 });
    const run = spawnSync(process.execPath, ['--max-old-space-size=64', MESHD_BIN, 'validate', '--dir', dir], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n').filter((l) => l.includes(': error: '))).toEqual([expect.stringContaining(`${dir}/${expected}`) as string]);
    expect(run.status).toBe(1);
  });
});
