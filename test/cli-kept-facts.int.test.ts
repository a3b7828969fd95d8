// Issue 17: the one-shot CLI keeps each cluster's facts (CIDRs, identity, version) across runs in the
// state directory, under the daemon's freshness rule: a second no-op `meshd apply` on three real
// clusters asks each only for its /version, with the same report; a changed server version, a
// deleted or a damaged facts file makes it read every fact again. Requests are recorded on their way
// out (test/support/requests.ts: the real requests, nothing answered for them).
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeFactsFile, encodeFactsFile, FACTS_FILE, factsFileKey, readStateFile, type StoredFacts } from '@meshd/core/state';
import { describe, expect, it } from 'vitest';
import { meshd, stateDirOf, useMesh, type CliRun } from './support/mesh.js';
import { recordingRequests, type RecordedRequest } from './support/requests.js';

const mesh = useMesh({ count: 3, apply: true });

/** The reads that make up a cluster's facts beside /version (prereq/facts.ts). */
const FACT_READS = [/^\/api\/v1\/nodes$/, /^\/api\/v1\/namespaces\/kube-system$/, /^\/apis\/networking\.k8s\.io\/v1\/servicecidrs$/];

/** One no-op `meshd apply` (debug log), its GETs per request path, and its report. */
async function noOp(): Promise<{ run: CliRun; gets: RecordedRequest[] }> {
  const { result: run, requests } = await recordingRequests(() => meshd(mesh.ws, 'apply', '--log-level', 'debug'));
  expect(run.code, run.stdout + run.stderr).toBe(0);
  return { run, gets: requests.filter((r) => r.method === 'GET') };
}

/** How many GETs of the facts' own reads (FACT_READS) went to the clusters. */
const factReads = (gets: readonly RecordedRequest[]): number => gets.filter((g) => FACT_READS.some((p) => p.test(g.path))).length;
const factsPath = (): string => join(stateDirOf(mesh.ws), FACTS_FILE);

/** The facts file's key, as meshd derives it from the state directory's own. */
async function fileKey(): Promise<Buffer> {
  const stored = (await readStateFile(join(stateDirOf(mesh.ws), 'inventory-key.json'))) as { key: string };
  return factsFileKey(Buffer.from(stored.key, 'base64'));
}

describe('meshd apply keeps each cluster facts across runs', () => {
  it('a second no-op reads only /version from each cluster, with the same report', async () => {
    await rm(factsPath(), { force: true });
    const whole = await noOp();
    expect(factReads(whole.gets)).toBe(FACT_READS.length * mesh.env.clusters.length);
    const kept = await noOp();
    expect(factReads(kept.gets)).toBe(0);
    expect(kept.gets.filter((g) => g.path === '/version')).toHaveLength(mesh.env.clusters.length);
    expect(kept.gets.length).toBeLessThan(whole.gets.length);
    expect(kept.run.stdout).toBe(whole.run.stdout);
    expect(kept.run.stderr).not.toMatch(/"level":40/); // no warning
  });

  it('reads every fact again when a server reports another version than the one kept', async () => {
    await noOp(); // the file holds every cluster
    const key = await fileKey();
    const entries = decodeFactsFile(key, await readFile(factsPath(), 'utf8')) as Map<string, StoredFacts>;
    expect(entries.size).toBe(mesh.env.clusters.length);
    const [first] = [...entries.keys()];
    const stale = new Map([...entries].map(([n, e]) => [n, n === first ? { ...e, facts: { ...e.facts, gitVersion: 'v1.33.0' } } : e]));
    await writeFile(factsPath(), encodeFactsFile(key, stale));
    const after = await noOp();
    expect(factReads(after.gets)).toBe(FACT_READS.length);
    expect(after.run.stderr).toContain('"reason":"version changed"');
    expect(factReads((await noOp()).gets)).toBe(0);
  });

  it.each([
    ['deleted', (): Promise<void> => rm(factsPath()), undefined],
    [
      'damaged (a byte changed)',
      async (): Promise<void> => writeFile(factsPath(), (await readFile(factsPath(), 'utf8')).replace('"v1.', '"v2.')),
      'its MAC does not match',
    ],
    ['truncated', async (): Promise<void> => writeFile(factsPath(), (await readFile(factsPath(), 'utf8')).slice(0, 100)), 'not JSON'],
  ])('reads every fact again when the file is %s, and the command succeeds', async (_what, spoil, warning) => {
    await noOp();
    await spoil();
    const after = await noOp();
    expect(factReads(after.gets)).toBe(FACT_READS.length * mesh.env.clusters.length);
    if (warning !== undefined) expect(after.run.stderr).toMatch(new RegExp(`"level":40.*cluster facts file not used \\(${warning}`));
    expect(factReads((await noOp()).gets)).toBe(0);
  });

  it('meshd plan uses the kept facts and never writes the file', async () => {
    await noOp();
    const before = await readFile(factsPath(), 'utf8');
    const { result: run, requests } = await recordingRequests(() => meshd(mesh.ws, 'plan'));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(factReads(requests)).toBe(0);
    await rm(factsPath());
    expect((await meshd(mesh.ws, 'plan')).code).toBe(0);
    await expect(readFile(factsPath(), 'utf8')).rejects.toThrow(/ENOENT/);
    await writeFile(factsPath(), before);
  });
});
