// Rotation latency of the secrets plugin: istio.default is re-issued in 3 namespaces of the control
// plane, then one plugin pass (plan + apply on 2 remotes, as the pass runs it) must bring all 6 copies
// up to date. Measures rotation-returned → all 6 copies verified, over N rotations (p50, p95).
// Direct mode: no daemon, so watch delivery and queueing are not included (they add to this figure).
// Daemon mode (--daemon): `meshd run` runs as its own process and follows the rotations through its
// watches; measures last source replaced → all 6 copies equal to their sources, polled every
// --poll-ms (default 20). Builds meshd first when its dist is stale.
// Run: npx tsx bench/secret-rotation.ts [--rotations N] [--daemon [--poll-ms MS]]
import { readFile } from 'node:fs/promises';
import { connectCluster } from '@meshd/core/cluster';
import type { ClusterClient } from '@meshd/core/cluster';
import { observeAndPlan, writesOf } from '@meshd/core';
import type { Logger, MeshInputs } from '@meshd/core';
import { secretsConfigSchema, secretsPlugin } from '@meshd/plugin-secrets';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { loadNow } from './lib/latency.js';
import { machineInfo } from './lib/machine.js';
import { rotationsWithDaemon } from './lib/rotation-daemon.js';

const APPS = ['app-1', 'app-2', 'app-3'];

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} wants a positive integer`);
  return value;
}

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

async function copiesMatch(remotes: ClusterClient[], expected: Record<string, Record<string, string>>): Promise<boolean> {
  const checks = remotes.flatMap((r) =>
    APPS.map(async (ns) => {
      const copy = await r.core.readNamespacedSecret({ namespace: ns, name: 'istio.default' });
      const data = Object.fromEntries(Object.entries(copy.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      return JSON.stringify(data, Object.keys(data).sort()) === JSON.stringify(expected[ns], Object.keys(expected[ns] ?? {}).sort());
    }),
  );
  return (await Promise.all(checks)).every(Boolean);
}

const rotations = flag('--rotations', 20);
const daemonMode = process.argv.includes('--daemon');
const pollMs = flag('--poll-ms', 20);
const machine = machineInfo();

/** Direct mode: one plugin pass per rotation, timed from the rotation's return to all copies verified. */
async function direct(env: TestEnv, cp: ClusterClient, remotes: ClusterClient[]): Promise<void> {
  const component = secretsPlugin.create({ logger: silent, config: secretsConfigSchema.parse({ namespaces: APPS }), signal: new AbortController().signal });
  const mesh: MeshInputs = {
    controlPlane: { name: cp.name, role: 'control-plane', client: cp, overrides: {} },
    endpoints: undefined,
    adopt: false,
    prune: true,
  };
  const pass = async (): Promise<number> => {
    const targets = remotes.map((client) => ({ name: client.name, role: 'remote' as const, client, overrides: {} }));
    // As core runs it: the control plane's sources read once for every remote (the mesh-wide observe), then each remote.
    const observing = component.observeMesh?.({ controlPlane: mesh.controlPlane, remotes: targets.map((t) => ({ name: t.name, overrides: t.overrides })) });
    const plans = await Promise.all(targets.map(async (target) => ({ target, plan: (await observeAndPlan(component, target, mesh, { observing })).plan })));
    const writes = await Promise.all(
      plans.map(({ target, plan }) => (plan.changes.some((c) => c.op !== 'orphan') ? component.apply(plan, target).then(writesOf) : Promise.resolve(0))),
    );
    return writes.reduce((a: number, b: number) => a + b, 0);
  };
  console.log(`initial replication: ${await pass()} writes`);
  const latencies: number[] = [];
  for (let i = 1; i <= rotations; i++) {
    const expected = Object.fromEntries(await Promise.all(APPS.map(async (ns) => [ns, await env.controlPlane.rotateIstioDefault(ns)] as const)));
    const started = performance.now();
    const writes = await pass();
    if (!(await copiesMatch(remotes, expected))) throw new Error(`rotation ${i}: copies do not match their sources after one pass`);
    latencies.push(performance.now() - started);
    if (writes !== 6) throw new Error(`rotation ${i}: expected 6 writes, got ${writes}`);
  }
  const before = await Promise.all(env.clusters.map((c) => c.writeRequestCount({ resources: ['secrets'] })));
  await pass();
  const after = await Promise.all(env.clusters.map((c) => c.writeRequestCount({ resources: ['secrets'] })));
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `secret-rotation (direct, no daemon): ${rotations} rotations × 3 sources → 6 copies on 2 remotes: p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`,
  );
  console.log(`no-op pass afterwards: ${after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)} secret write requests`);
}

/** Daemon mode: `meshd run` follows the rotations; timed from the last source replaced to all copies verified. */
async function withDaemon(env: TestEnv, clients: ClusterClient[]): Promise<void> {
  const run = await rotationsWithDaemon({ env, clients, namespaces: APPS, rotations, pollMs });
  const sorted = [...run.latencies].sort((a, b) => a - b);
  console.log(
    `secret-rotation (daemon: meshd run process, poll ${pollMs} ms): ${rotations} rotations × 3 sources → 6 copies on 2 remotes: ` +
      `p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms, min ${(sorted[0] ?? 0).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`,
  );
  console.log(`daemon ready after ${(run.readyMs / 1000).toFixed(1)} s; ${run.daemonWarnings} warning/error log line(s)`);
  console.log(
    `machine: nproc ${machine.cpus} (${machine.cpuModel}), node ${machine.node}; load average ${machine.loadAtStart.join(' ')} at start, ${loadNow().join(' ')} at end`,
  );
}

const env = await startClusters({ count: 3, appNamespaces: APPS });
try {
  const clients = await Promise.all(env.clusters.map(async (c) => connectCluster({ name: c.name, kubeconfigText: await readFile(c.kubeconfigPath, 'utf8') })));
  const [cp, ...remotes] = clients as [ClusterClient, ...ClusterClient[]];
  await Promise.all(remotes.flatMap((r) => APPS.map((name) => r.core.createNamespace({ body: { metadata: { name } } }))));
  await (daemonMode ? withDaemon(env, clients) : direct(env, cp, remotes));
} finally {
  await env.stop();
}
