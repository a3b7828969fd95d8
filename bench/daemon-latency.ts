// bench:daemon — how fast the running daemon (`meshd run`, its own process) reacts on 3 real clusters,
// over N trials each: a remote's files dropped into the directory → remote converged (its Endpoints
// right, and /status converged); Pilot moved (new pod Ready, old one deleted) → every remote's
// Endpoints updated, timed from the old pod's deletion (the event meshd acts on: discovery keeps a
// serving pod chosen, so the new pod's Ready changes nothing until the old one goes) and from the new
// pod's Ready, with the reconciles it took per key (one per remote; the registry's none unless it
// publishes a server chosen by Pilot's IP) and the Pilot/Mixer pod LISTs the control plane served
// besides the move's own (discovery reads the watch cache: 0); a meshd-owned Endpoints deleted on a
// remote → repaired. Polled every --poll-ms (default 20 ms). meshd runs helm through a wrapper that
// logs each `helm template` run: per move, the runs, those started after the old pod's deletion (on
// the move's path) and those done before it, and the moves the daemon prepared (rendered when the new
// pod turned Ready: one helm run per move and a preparation means both passes found that render).
// --trace FILE: the daemon's HTTP requests and helm runs, timed (bench/lib/request-trace.ts), and a
// per-move timeline from the old pod's deletion. The new Pilot pod comes up as a kubelet reports it:
// Running at its IP, not Ready, then Ready --ready-after-ms later (default 0: the two status writes
// back to back; a real Pilot's readiness probe passes seconds after its IP is known).
// Run: npm run bench:daemon -- [--trials 20] [--out FILE] [--poll-ms 20] [--ready-after-ms 0] [--trace FILE] [--log-level debug] [--daemon-log FILE]
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { connectCluster, type ClusterClient } from '@meshd/core/cluster';
import { binaryPaths, startClusters } from '@meshd/testenv';
import { REGISTRY_KEY } from 'meshd';
import { ensureBuilt, startDaemonProcess } from '@meshd/testkit';
import { flag, intFlag } from './lib/args.js';
import { latencyTable, loadNow, msUntil, summarize, waitIdle, type LatencySummary } from './lib/latency.js';
import { machineInfo } from './lib/machine.js';
import { createWorkspace, meshdConfigText } from './lib/workspace.js';
import { countingHelm, helmRunsOfMove } from './lib/helm-runs.js';
import { moveTimelines, type MoveWindow } from './lib/move-trace.js';

const argv = process.argv;
const trials = intFlag(argv, '--trials', 20);
const pollMs = intFlag(argv, '--poll-ms', 20);
const readyAfterMs = intFlag(argv, '--ready-after-ms', 0);
const out = flag(argv, '--out');
const trace = flag(argv, '--trace');
const logLevel = (flag(argv, '--log-level') ?? 'info') as 'debug' | 'info' | 'warn' | 'error';
ensureBuilt();
const machine = machineInfo();
console.log(
  `bench:daemon: ${trials} trials each, poll ${pollMs} ms, new Pilot pod Ready ${readyAfterMs} ms after its IP; ${machine.cpus} CPUs (${machine.cpuModel}), load ${machine.loadAtStart.join(' ')}`,
);

async function endpointIps(client: ClusterClient, name: string): Promise<string[]> {
  const ep = await client.core.readNamespacedEndpoints({ name, namespace: 'istio-system' });
  return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
}

const env = await startClusters({ count: 3 });
const clusters = await Promise.all(env.clusters.map(async (c) => ({ name: c.name, kubeconfigText: await readFile(c.kubeconfigPath, 'utf8') })));
const helmDir = await mkdtemp(join(tmpdir(), 'meshd-bench-helm-'));
const helm = await countingHelm(helmDir, binaryPaths().helm);
const ws = await createWorkspace(clusters, meshdConfigText({ helm: helm.binary, secretNamespaces: ['default'] }));
const remotes = clusters.slice(1).map((c) => connectCluster({ name: c.name, kubeconfigText: c.kubeconfigText }));
const [remote1, remote2] = remotes as [ClusterClient, ClusterClient];
if (trace) await writeFile(trace, '');
const traceEnv = trace
  ? {
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import tsx --import ${resolve(import.meta.dirname, 'lib/request-trace.ts')}`.trim(),
      MESHD_TRACE_FILE: resolve(trace),
    }
  : undefined;
const daemon = await startDaemonProcess({ dir: ws.dir, config: ws.configPath, logLevel, ...(traceEnv ? { env: traceEnv } : {}) });
const samples: Record<string, number[]> = { drop: [], dropStatus: [], remove: [], pilot: [], pilotReady: [], drift: [] };
/**
 * Per Pilot move: reconciles of remote keys, of the registry key, pod LISTs on the control plane, and
 * `helm template` runs (all, those started after the old pod's deletion, those done before it).
 */
const pilotMoves: {
  remoteKeys: number;
  registryKeys: number;
  podLists: number;
  /** The daemon's "prepared the renders of a coming endpoint move" lines (0 before this branch). */
  preparations: number;
  helmRuns: number;
  helmRunsAfterDelete: number;
  helmDoneBeforeDelete: number;
}[] = [];
/** Wall-clock times of each move (trace and helm windows). */
const windows: MoveWindow[] = [];
try {
  const readyMs = await daemon.waitReady();
  await waitIdle(daemon);
  console.log(`daemon ready after ${(readyMs / 1000).toFixed(1)} s`);
  const files = ['remote-2.kube.conf', 'remote-2.yaml'];
  const saved = await Promise.all(files.map((f) => readFile(join(ws.dir, f))));
  const statusOf = async (name: string): Promise<string | undefined> => daemon.clusterState(name);

  for (let i = 0; i < trials; i++) {
    await Promise.all(files.map((f) => rm(join(ws.dir, f))));
    samples.remove!.push(
      await msUntil(
        'remote-2 uninstalled',
        async () =>
          (await statusOf('remote-2')) === undefined &&
          (await remote2.core.readNamespacedConfigMap({ name: 'meshd-release-istio-remote', namespace: 'istio-system' }).then(
            () => false,
            () => true,
          )),
        pollMs,
      ),
    );
    await waitIdle(daemon);
    const pilot = await env.controlPlane.podIp('pilot');
    for (const [k, f] of files.entries()) await writeFile(join(ws.dir, f), saved[k]!, { mode: 0o600 });
    const [endpoints, status] = await Promise.all([
      msUntil('remote-2 Endpoints', async () => (await endpointIps(remote2, 'istio-pilot')).join() === pilot, pollMs),
      msUntil('remote-2 converged', async () => (await statusOf('remote-2')) === 'converged', pollMs),
    ]);
    samples.drop!.push(endpoints);
    samples.dropStatus!.push(status);
    await waitIdle(daemon);
  }
  const reconciles = (registry: boolean): number =>
    daemon.records().filter((r) => (r.msg === 'reconciled' || String(r.msg).startsWith('reconcile failed')) && (r.key === REGISTRY_KEY) === registry).length;
  const preparations = (): number => daemon.records().filter((r) => r.msg === 'prepared the renders of a coming endpoint move').length;
  const podLists = (): Promise<number> => env.clusters[0]!.requestCount({ verbs: ['LIST'], resources: ['pods'] });
  for (let i = 0; i < trials; i++) {
    const before = { remoteKeys: reconciles(false), registryKeys: reconciles(true), podLists: await podLists(), preparations: preparations() };
    let readyAt = 0;
    const from = Date.now();
    const ip = await env.controlPlane.movePilot(
      () => {
        readyAt = performance.now();
      },
      { readyAfterMs },
    );
    const deletedAt = performance.now();
    const deleted = Date.now();
    const updated = await msUntil(
      'Pilot IP on every remote',
      async () => (await Promise.all(remotes.map((r) => endpointIps(r, 'istio-pilot')))).every((x) => x.join() === ip),
      pollMs,
    );
    samples.pilot!.push(updated);
    samples.pilotReady!.push(updated + (deletedAt - readyAt));
    await waitIdle(daemon);
    const window = { from, deleted, to: Date.now() };
    windows.push({ ...window, ready: deleted - (deletedAt - readyAt), updated: deleted + updated });
    const runs = helmRunsOfMove(await helm.runs(), window);
    pilotMoves.push({
      remoteKeys: reconciles(false) - before.remoteKeys,
      registryKeys: reconciles(true) - before.registryKeys,
      // movePilot lists the old pods itself: one LIST that is not meshd's.
      podLists: (await podLists()) - before.podLists - 1,
      preparations: preparations() - before.preparations,
      helmRuns: runs.runs,
      helmRunsAfterDelete: runs.afterDelete,
      helmDoneBeforeDelete: runs.doneBeforeDelete,
    });
  }
  const policy = await env.controlPlane.podIp('policy');
  for (let i = 0; i < trials; i++) {
    const remote = i % 2 === 0 ? remote1 : remote2;
    await remote.core.deleteNamespacedEndpoints({ name: 'istio-policy', namespace: 'istio-system' });
    samples.drift!.push(await msUntil('istio-policy repaired', async () => (await endpointIps(remote, 'istio-policy')).join() === policy, pollMs));
    await waitIdle(daemon);
  }
} finally {
  const daemonLog = flag(argv, '--daemon-log');
  if (daemonLog)
    await writeFile(
      daemonLog,
      daemon
        .records()
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
  await daemon.stop();
  await ws.cleanup();
  await rm(helmDir, { recursive: true, force: true });
  await env.stop();
}

const rows: LatencySummary[] = [
  summarize('file dropped → remote Endpoints right', samples.drop!),
  summarize('file dropped → /status converged', samples.dropStatus!),
  summarize('Pilot IP change → all remotes updated', samples.pilot!),
  summarize('  the same, from the new pod Ready', samples.pilotReady!),
  summarize('drift (Endpoints deleted) → repaired', samples.drift!),
  summarize('descriptor deleted → release uninstalled', samples.remove!),
];
const loadAtEnd = loadNow();
const problems = daemon.records().filter((r) => Number(r.level) >= 40).length;
console.log(`\n${latencyTable(rows)}\n`);
console.log(
  `machine: nproc ${machine.cpus} (${machine.cpuModel}), ${machine.memoryGb} GB, node ${machine.node}; load average ${machine.loadAtStart.join(' ')} at start, ${loadAtEnd.join(' ')} at end`,
);
console.log(`daemon log: ${problems} warning/error line(s)`);
const perMove = (key: keyof (typeof pilotMoves)[number]): string => pilotMoves.map((m) => m[key]).join(' ');
console.log(
  `per Pilot move (${remotes.length} remotes): remote-key reconciles ${perMove('remoteKeys')}; registry-key reconciles ${perMove('registryKeys')}; control-plane pod LISTs by meshd ${perMove('podLists')}`,
);
console.log(
  `helm template runs per move ${perMove('helmRuns')}; started after the old pod's deletion ${perMove('helmRunsAfterDelete')}; done before it ${perMove('helmDoneBeforeDelete')}; moves prepared ${perMove('preparations')}`,
);
const timelines = trace ? moveTimelines(await readFile(trace, 'utf8'), windows) : undefined;
if (timelines) console.log(`\n${timelines.text}`);
if (out) {
  await mkdir(dirname(out), { recursive: true });
  const data = {
    trials,
    pollMs,
    readyAfterMs,
    machine,
    loadAtEnd,
    daemonWarnings: problems,
    pilotMoves,
    results: rows,
    ...(timelines ? { moveTraces: timelines.moves } : {}),
  };
  await writeFile(out, `${JSON.stringify(data, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
