// One point of bench:scale: a mesh of N clusters (1 control plane + N-1 remotes), converged from
// empty by `meshd apply` in its own process, re-applied (no-op), then idled by `meshd run`.
import { binaryPaths } from '@meshd/testenv';
import { loadAverage, runMeasuredMeshd } from '../lib/proc.js';
import { round } from '../lib/stats.js';
import { createWorkspace, meshdConfigText } from '../lib/workspace.js';
import { measureIdle } from './idle.js';
import { APP_NAMESPACES, realTarget, simTarget } from './targets.js';
import type { ScaleTarget } from './targets.js';
import type { RequestCounts } from '../sim/store.js';

/** What one point measured (the first six fields are the issue's; the rest explain them). */
export interface ScalePoint {
  clusters: number;
  converge_s: number;
  rss_mb: number;
  cpu_s: number;
  writes_per_cluster: number;
  idle_cpu_pct: number | null;
  /** Idle CPU over the window right after the daemon went quiet (includes V8's memory-reducer GC). */
  idle_first_window_cpu_pct: number | null;
  backend: 'real' | 'sim';
  /** CPU of the helm processes meshd ran (not in cpu_s). */
  helm_cpu_s: number;
  noop_s: number;
  noop_cpu_s: number;
  noop_writes: number;
  daemon_ready_s: number | null;
  /** Seconds until the daemon's watches were all set up and it went quiet (idle window starts). */
  daemon_quiet_s: number | null;
  daemon_rss_mb: number | null;
  idle_writes: number | null;
  /** CPU the benchmark process (the simulated API servers) used during the converge run. */
  sim_server_cpu_s: number;
  /** Simulation only: TLS connections and requests (reads + writes) per remote in the converge and the no-op runs. */
  sim_per_remote?: { converge: PerRemote; noop: PerRemote };
  load: number[];
}

/** Options of one point. */
export interface PointOptions {
  clusters: number;
  backend: 'real' | 'sim';
  /** Idle window of the daemon; 0 skips the daemon. */
  idleSeconds: number;
  /** Extra meshd.yaml lines. */
  configExtra: readonly string[];
  /** When set, `meshd apply` runs with `node --cpu-prof` writing its profiles here. */
  cpuProfDir?: string;
  /** Node options for every meshd process (e.g. --max-old-space-size=256). */
  nodeArgs?: readonly string[];
}

/** What the simulated remotes served one run, per remote: TLS connections (HTTP/2 among them) and requests. */
export interface PerRemote {
  connections: number;
  h2_connections: number;
  requests: number;
}

/** The mean per remote (every cluster but the first, the control plane) of what the simulation served between two counts. */
function perRemote(before: RequestCounts[] | undefined, after: RequestCounts[] | undefined): PerRemote | undefined {
  if (!before || !after || after.length < 2) return undefined;
  const remotes = after.slice(1).map((c, i) => {
    const b = before[i + 1];
    return {
      connections: c.connections - (b?.connections ?? 0),
      h2: c.h2Connections - (b?.h2Connections ?? 0),
      requests: c.reads + c.writes - (b ? b.reads + b.writes : 0),
    };
  });
  const mean = (f: (r: (typeof remotes)[number]) => number): number => round(remotes.reduce((s, r) => s + f(r), 0) / remotes.length, 2);
  return { connections: mean((r) => r.connections), h2_connections: mean((r) => r.h2), requests: mean((r) => r.requests) };
}

async function converge(
  target: ScaleTarget,
  args: string[],
  nodeArgs: string[],
): Promise<{ run: Awaited<ReturnType<typeof runMeasuredMeshd>>; writes: number; serverCpu: number; perRemote: PerRemote | undefined }> {
  const before = await target.writes();
  const counted = target.counts?.();
  const cpu0 = target.serverCpuSeconds();
  const run = await runMeasuredMeshd(args, nodeArgs);
  const serverCpu = target.serverCpuSeconds() - cpu0;
  if (run.code !== 0) throw new Error(`meshd apply exited ${run.code}:\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-3000)}`);
  const after = await target.writes();
  return { run, writes: after.reduce((s, n, i) => s + n - (before[i] ?? 0), 0), serverCpu, perRemote: perRemote(counted, target.counts?.()) };
}

/** Above ~700 clusters the descriptors and kubeconfigs pass the 1 MiB a registry ConfigMap holds: one Secret per remote. */
function registryMode(clusters: number): string[] {
  return clusters > 700 ? ['registry: { mode: secrets }'] : [];
}

/** The sim_per_remote field when both runs were counted (simulated clusters). */
function simPerRemote(converge: PerRemote | undefined, noop: PerRemote | undefined): Pick<ScalePoint, 'sim_per_remote'> {
  return converge && noop ? { sim_per_remote: { converge, noop } } : {};
}

/** Measures one point; the clusters it starts are stopped before it returns. */
export async function measurePoint(opts: PointOptions): Promise<ScalePoint> {
  const target = opts.backend === 'real' ? await realTarget(opts.clusters) : await simTarget(opts.clusters);
  // The operator's kubeconfigs are published (as before minted credentials existed): minting a
  // reader token per remote is measured by the credential tests, not here.
  const config = meshdConfigText({
    helm: binaryPaths().helm,
    secretNamespaces: ['default', ...APP_NAMESPACES],
    extra: ['credentials: { mode: operator }', ...registryMode(opts.clusters), ...opts.configExtra],
  });
  const ws = await createWorkspace(target.clusters, config);
  const load = [await loadAverage()];
  try {
    const args = ['apply', '--dir', ws.dir, '--config', ws.configPath];
    const prof = (label: string): string[] => [
      ...(opts.nodeArgs ?? []),
      ...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}/${opts.backend}-${opts.clusters}-${label}`] : []),
    ];
    const first = await converge(target, args, prof('from-empty'));
    const noop = await converge(target, args, prof('noop'));
    load.push(await loadAverage());
    const idle = opts.idleSeconds > 0 ? await measureIdle(ws, target, opts.idleSeconds, opts.nodeArgs) : undefined;
    load.push(await loadAverage());
    return {
      clusters: opts.clusters,
      converge_s: round(first.run.wallSeconds, 2),
      rss_mb: round(first.run.rssMb, 1),
      cpu_s: round(first.run.cpuSeconds, 2),
      writes_per_cluster: round(first.writes / opts.clusters, 2),
      idle_cpu_pct: idle ? round(idle.idleCpuPct, 2) : null,
      idle_first_window_cpu_pct: idle ? round(idle.firstWindowCpuPct, 2) : null,
      backend: opts.backend,
      helm_cpu_s: round(first.run.childCpuSeconds, 2),
      noop_s: round(noop.run.wallSeconds, 2),
      noop_cpu_s: round(noop.run.cpuSeconds, 2),
      noop_writes: noop.writes,
      daemon_ready_s: idle ? round(idle.readySeconds, 2) : null,
      daemon_quiet_s: idle ? round(idle.quietSeconds, 2) : null,
      daemon_rss_mb: idle ? round(idle.rssMb, 1) : null,
      idle_writes: idle ? idle.idleWrites : null,
      sim_server_cpu_s: round(first.serverCpu, 2),
      ...simPerRemote(first.perRemote, noop.perRemote),
      load,
    };
  } finally {
    await ws.cleanup();
    await target.stop();
  }
}
