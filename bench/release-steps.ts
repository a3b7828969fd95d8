// bench:release-steps — what one release pass costs on a remote, in requests the remote's API server
// counted (load-independent): reads (GET/LIST) and writes, for an install, a no-op, a Pilot-move-like
// upgrade (the static Pilot endpoint changes: the istio-pilot Endpoints and the inventory are
// rewritten) and a drift repair (a meshd-owned Endpoints deleted). One `meshd apply` pass each, in
// process, helm-template backend, 2 real clusters. Written for issue 14 step 2 (the engine's hold and
// re-observe), run from a clone of the branch and of its base to compare.
// Run: npx tsx bench/release-steps.ts [--out FILE]
import { readFile, writeFile } from 'node:fs/promises';
import { connectCluster } from '@meshd/core/cluster';
import { binaryPaths, MESHD_RESOURCES, settledWrites, startClusters, type ClusterHandle } from '@meshd/testenv';
import { BUILTIN_PLUGINS, runCommandPass } from 'meshd';
import { captureIo, silentLogger } from '@meshd/testkit';
import { flag } from './lib/args.js';
import { machineInfo } from './lib/machine.js';
import { createWorkspace, meshdConfigText } from './lib/workspace.js';

const out = flag(process.argv, '--out');
const machine = machineInfo();
const WRITES = ['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE'];

/** Reads and writes of meshd's resources the remote's API server counted so far (kube-controller-manager settles first). */
async function counts(remote: ClusterHandle): Promise<{ reads: number; writes: number }> {
  const [get, list, writes] = await Promise.all([
    remote.requestCount({ verbs: ['GET'], resources: MESHD_RESOURCES }),
    remote.requestCount({ verbs: ['LIST'], resources: MESHD_RESOURCES }),
    remote.requestCount({ verbs: WRITES, resources: MESHD_RESOURCES }),
  ]);
  return { reads: get + list, writes };
}

const env = await startClusters({ count: 2 });
const clusters = await Promise.all(env.clusters.map(async (c) => ({ name: c.name, kubeconfigText: await readFile(c.kubeconfigPath, 'utf8') })));
const config = meshdConfigText({ helm: binaryPaths().helm, secretNamespaces: ['default'] });
const ws = await createWorkspace(clusters, config);
const remote = env.clusters[1]!;
/** `meshd apply` in process, meshd's own plugins. */
const passOptions = { mode: 'apply' as const, dir: ws.dir, config: ws.configPath, logger: silentLogger(), io: captureIo(ws.root), plugins: BUILTIN_PLUGINS };
const results: { scenario: string; reads: number; writes: number; converged: boolean; steps?: unknown }[] = [];

/** One apply pass; the remote's requests during it and the release component's steps (when reported). */
async function pass(scenario: string): Promise<void> {
  await settledWrites([remote]);
  const before = await counts(remote);
  const { report } = await runCommandPass(passOptions);
  const after = await counts(remote);
  await settledWrites([remote]);
  const cluster = report.clusters.find((c) => c.name === remote.name);
  const release = cluster?.components.find((c) => c.component === 'helm-template') as { steps?: unknown } | undefined;
  const row = {
    scenario,
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    converged: cluster?.state === 'converged',
    steps: release?.steps,
  };
  results.push(row);
  console.log(JSON.stringify(row));
}

try {
  await pass('install');
  await pass('no-op');
  await writeFile(ws.configPath, `${config}\nendpoints: { pilot: 198.51.100.7 }\n`);
  await pass('upgrade (Pilot endpoint moved)');
  await pass('no-op after upgrade');
  const client = connectCluster({ name: remote.name, kubeconfigText: clusters[1]!.kubeconfigText });
  await client.core.deleteNamespacedEndpoints({ name: 'istio-pilot', namespace: 'istio-system' });
  await pass('drift repair (Endpoints deleted)');
} finally {
  await env.stop();
  await ws.cleanup();
}
const result = { date: new Date().toISOString(), machine, loadAtEnd: machineInfo().loadAtStart, results };
if (out) await writeFile(out, JSON.stringify(result, null, 2));
