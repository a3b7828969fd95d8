import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLogger, type RecordingLogger } from '@meshd/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { connectCluster, type ClusterClient } from '../cluster/client.js';
import type { KeptFacts } from '../prereq/facts-cache.js';
import { STABLE_FACTS_TTL_MS } from '../prereq/facts-cache.js';
import { FACTS_FILE, KeptFactsFile } from './kept-facts.js';
import { MAX_FACTS_FILE_BYTES } from './facts-file.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'meshd-facts-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const stateKey = Buffer.alloc(32, 3);
/** A real client (connectCluster makes no request): what the pass hands the file. */
const clientOf = (token: string, server = 'https://192.0.2.10:6443'): ClusterClient =>
  connectCluster({
    name: 'east',
    kubeconfigText: [
      'apiVersion: v1',
      'current-context: c',
      'contexts: [{ name: c, context: { cluster: k, user: u } }]',
      `clusters: [{ name: k, cluster: { server: "${server}", certificate-authority-data: Q0E= } }]`,
      `users: [{ name: u, user: { token: ${token} } }]`,
    ].join('\n'),
  });
const kept = (readAt: number): KeptFacts => ({
  readAt,
  facts: { gitVersion: 'v1.34.4', major: '1', minor: '34', podCIDRs: ['10.244.0.0/24'], serviceCIDRs: undefined, identity: 'u' },
});
const now = 1_764_756_000_000;

/** Opens the file of `dir` at `at`, recording its log lines. */
async function opened(dir: string, at = now): Promise<{ file: KeptFactsFile; log: RecordingLogger }> {
  const log = recordingLogger();
  return { file: await KeptFactsFile.open(dir, stateKey, log, () => at), log };
}

/** A file of `dir` holding east's facts read at `readAt` (written through the class itself). */
async function written(dir: string, readAt = now): Promise<void> {
  const { file } = await opened(dir, readAt);
  const east = clientOf('t1');
  await file.recall(east);
  file.keep(east, kept(readAt));
  await file.save();
}

const warnings = (log: RecordingLogger): string[] => log.entries.filter((e) => e.level === 'warn').map((e) => e.msg ?? '');

describe('KeptFactsFile (the CLI keeps each cluster facts across runs)', () => {
  it('starts empty without a file (a debug line), then reads back what it wrote, 0600', async () => {
    const dir = tempDir();
    const { file, log } = await opened(dir);
    expect(await file.recall(clientOf('t1'))).toBeUndefined();
    expect(log.entries.map((e) => [e.level, e.msg])).toEqual([['debug', expect.stringMatching(/none kept yet/)]]);
    await written(dir);
    expect(statSync(join(dir, FACTS_FILE)).mode & 0o777).toBe(0o600);
    expect(await (await opened(dir)).file.recall(clientOf('t1'))).toMatchObject(kept(now));
    expect(readFileSync(join(dir, FACTS_FILE), 'utf8')).not.toContain('t1');
  });

  it('never hands one connection the facts of another (other credentials, other server)', async () => {
    const dir = tempDir();
    await written(dir);
    const { file } = await opened(dir);
    expect(await file.recall(clientOf('t2'))).toBeUndefined();
    expect(await file.recall(clientOf('t1', 'https://192.0.2.11:6443'))).toBeUndefined();
    expect(await file.recall(clientOf('t1'))).toBeDefined();
  });

  it('drops a forgotten entry (a failed probe) and entries not fresh any more when it writes', async () => {
    const dir = tempDir();
    await written(dir, now - STABLE_FACTS_TTL_MS - 1);
    const { file } = await opened(dir);
    const west = clientOf('t9', 'https://198.51.100.7');
    await file.recall(west);
    file.keep(west, kept(now));
    await file.save();
    const again = (await opened(dir)).file;
    expect(await again.recall(clientOf('t1'))).toBeUndefined();
    expect(await again.recall(west)).toMatchObject(kept(now));
    again.forget(west);
    await again.save();
    expect(await (await opened(dir)).file.recall(west)).toBeUndefined();
  });

  it('drops entries read "after now" when written (the clock went back)', async () => {
    const dir = tempDir();
    await written(dir, now + 60_000);
    const { file } = await opened(dir);
    const west = clientOf('t9', 'https://198.51.100.7');
    await file.recall(west);
    file.keep(west, kept(now));
    await file.save();
    expect(await (await opened(dir)).file.recall(clientOf('t1'))).toBeUndefined();
  });

  it.each([
    ['damaged', (path: string): void => writeFileSync(path, readFileSync(path, 'utf8').replace('10.244.0.0/24', '10.245.0.0/24')), /MAC does not match/],
    ['truncated', (path: string): void => truncateSync(path, 40), /not JSON/],
    ['huge (sparse, never read)', (path: string): void => truncateSync(path, MAX_FACTS_FILE_BYTES + 1), /larger than/],
    ['a FIFO (must not hang)', (path: string): void => (rmSync(path), void execFileSync('mkfifo', [path])), /not a regular file/],
    ['a symbolic link', (path: string): void => (rmSync(path), symlinkSync('/etc/hostname', path)), /cannot be read: ELOOP/],
    ['a directory', (path: string): void => (rmSync(path), mkdirSync(path)), /not a regular file/],
  ])('a file %s is a warning and no entry, never an error', async (_what, spoil, why) => {
    const dir = tempDir();
    await written(dir);
    spoil(join(dir, FACTS_FILE));
    const { file, log } = await opened(dir);
    expect(await file.recall(clientOf('t1'))).toBeUndefined();
    expect(warnings(log)).toEqual([expect.stringMatching(why)]);
  });

  it('a file written under another state directory key is not used', async () => {
    const dir = tempDir();
    await written(dir);
    const log = recordingLogger();
    const other = await KeptFactsFile.open(dir, Buffer.alloc(32, 4), log, () => now);
    expect(await other.recall(clientOf('t1'))).toBeUndefined();
    expect(warnings(log)).toEqual([expect.stringMatching(/MAC does not match/)]);
  });

  it('a write that fails is a warning, not an error', async () => {
    const dir = tempDir();
    const { file, log } = await opened(join(dir, 'gone'));
    const east = clientOf('t1');
    await file.recall(east);
    file.keep(east, kept(now));
    await expect(file.save()).resolves.toBeUndefined();
    expect(warnings(log)).toEqual([expect.stringMatching(/not written \(ENOENT\)/)]);
  });

  it('writes nothing when nothing changed', async () => {
    const dir = tempDir();
    const { file } = await opened(dir);
    await file.recall(clientOf('t1'));
    await file.save();
    expect(() => statSync(join(dir, FACTS_FILE))).toThrow(/ENOENT/);
  });
});
