// Issue 15: a change of a cluster's Kubernetes version by itself re-checks a failure parked on the
// APIs the old version served. Real API servers and the real daemon (in-process) with the 2018 chart,
// which today's servers do not fully serve: remote-1 is parked with MESHD_ERR_UNSERVED_API. A real
// kube-apiserver cannot be upgraded in a test, so the daemon's version source is injected: it reads
// the real /version and, once the test says so, reports it with a suffix, as an upgrade would.
import { resolve } from 'node:path';
import { loadConfig } from '@meshd/core';
import { BUILTIN_PLUGINS } from '../../src/plugins.js';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAll, workspace, type MeshWorkspace } from '../../../../test/support/mesh.js';
import type { Daemon } from '../../src/daemon/daemon.js';
import { readServerVersion, type ServerVersionSource } from '../../src/daemon/watch/version-watch.js';
import { inProcessDaemon } from './in-process.js';

const CHART_2018 = resolve(import.meta.dirname, '../../../../test/fixtures/charts/istio-remote-2018');
let env: TestEnv;
let ws: MeshWorkspace;
let daemon: Daemon | undefined;
let lines: string[] = [];
const upgraded = new Set<string>();
const reads = new Map<string, number>();

const readVersion: ServerVersionSource = async (client, signal) => {
  const version = await readServerVersion(client, signal);
  reads.set(client.name, (reads.get(client.name) ?? 0) + 1);
  return upgraded.has(client.name) ? `${version}-upgraded` : version;
};

/** Reconciles of `key` that ended parked (terminal), from the daemon's log. */
const parkedRuns = (key: string): number =>
  lines.filter((l) => l.includes('"msg":"reconcile failed on invalid input; waiting for it to change"') && l.includes(`"key":"${key}"`)).length;
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${lines.slice(-10).join('')}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  env = await startClusters({ count: 2 });
  ws = await workspace([`chart: ${CHART_2018}`]);
  await addAll(ws, env);
  const config = await loadConfig(ws.configPath, { directory: ws.dir }, { cwd: ws.root, homeDir: ws.root, plugins: BUILTIN_PLUGINS });
  // Read every tick (300 ms) at least every second: the daemon skips a read while the cluster's watch
  // connection stays open (a real upgrade restarts the server and closes it), up to the recheck period.
  const made = inProcessDaemon(config, { versionProbeMs: 300, versionRecheckMs: 1000, readVersion });
  daemon = made.daemon;
  lines = made.lines;
  await daemon.start();
}, 300_000);

afterAll(async () => {
  await daemon?.shutdown('test over');
  await ws?.cleanup();
  await env?.stop();
});

describe('a parked unserved-API failure and the cluster version', () => {
  it('stays parked while the version stays the same, and is checked again as soon as it changes', async () => {
    const remote = env.clusters[1]!.name;
    await until(`${remote} parked`, () => daemon!.status().clusters.find((c) => c.name === remote && c.lastError?.retry === 'terminal'), 120_000);
    // Settled: no new parked run of the remote for 3 s (about 3 version reads).
    let runs = parkedRuns(remote);
    for (let quiet = 0; quiet < 30; quiet++) {
      await sleep(100);
      if (parkedRuns(remote) !== runs) [runs, quiet] = [parkedRuns(remote), 0];
    }
    const readsBefore = reads.get(remote) ?? 0;
    await sleep(3000);
    expect(reads.get(remote) ?? 0).toBeGreaterThanOrEqual(readsBefore + 2);
    expect(parkedRuns(remote)).toBe(runs);

    upgraded.add(remote);
    await until('the re-check after the version change', () => (parkedRuns(remote) > runs ? true : undefined), 30_000);
    expect(lines.some((l) => l.includes('the cluster reports another Kubernetes version') && l.includes(`"cluster":"${remote}"`))).toBe(true);
    const status = daemon!.status().clusters.find((c) => c.name === remote);
    expect(status).toMatchObject({ lastError: { code: 'MESHD_ERR_UNSERVED_API', retry: 'terminal' } });
  }, 200_000);
});
