// Where the idle daemon's memory is at N simulated clusters: converges the mesh with `meshd apply`,
// starts `meshd run` with --heapsnapshot-signal, waits until it is idle, reads its RSS and the V8
// split from /metrics (heap used/total, external), writes a heap snapshot (SIGUSR2) and prints its
// largest constructors by self size.
// Run: npx tsx bench/scale/heap.ts [--clusters 500] [--out DIR] [--top N] [--settle-seconds S] [--idle-seconds S]
//      [--node-args='ARG ARG…'] [--config-extra 'YAML LINE'] [--no-snapshot] [--env-variants 'K=V K=V|K=V|'] [--log-level info|debug]
//      [--no-apply] [--cli unbundled|bundle|sea]
// --cli runs the daemon as the tarball's bin/meshd or the .deb's single executable (`npm run dist` first)
// instead of the compiled workspace: what an operator runs, with only what the bundle holds loaded.
// --no-apply skips `meshd apply`: the first daemon starts on an empty mesh and its first round
// (ready_s) is the converge from empty, installs included.
// --env-variants runs one daemon after another on the same converged mesh, one per environment
// (separated by |; an empty one is the daemon as it is): glibc malloc settings, say. The snapshot is of the first.
// --idle-seconds S measures the daemon's CPU over S seconds after the settle time (before the snapshot);
// --no-snapshot stops the daemon right after that window (with --node-args='--cpu-prof --cpu-prof-dir=D',
// `npx tsx bench/profile.ts D/*.cpuprofile --last S` then shows what the idle daemon did).
// DIR keeps the snapshot (hundreds of MB at 500 clusters), heap-N.json (the figures) and daemon-N.log (the daemon's log).
import { copyFile, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { binaryPaths } from '@meshd/testenv';
import { flag, intFlag } from '../lib/args.js';
import { sleep, startDaemon } from '../lib/daemon.js';
import { cpuSecondsOf, loadAverage, requireBuiltMeshd, rssOf, runMeasuredMeshd } from '../lib/proc.js';
import type { Workspace } from '../lib/workspace.js';
import { createWorkspace, meshdConfigText } from '../lib/workspace.js';
import { heapSummaryLines, summariseHeap, type Snapshot } from '../heap-summary.js';
import { cpuPercentOver, waitQuiet } from './idle.js';
import { meshdCliOf } from '../manual/tools.js';
import { APP_NAMESPACES, simTarget, type ScaleTarget } from './targets.js';
import type { RequestCounts } from '../sim/store.js';

const argv = process.argv;
const clusters = intFlag(argv, '--clusters', 500);
const outDir = resolve(flag(argv, '--out') ?? '/tmp/meshd-heap');
const top = intFlag(argv, '--top', 40);
const settle = intFlag(argv, '--settle-seconds', 30);
const nodeArgs = (flag(argv, '--node-args') ?? '').split(' ').filter((a) => a !== '');
const idleSeconds = intFlag(argv, '--idle-seconds', 0);
const snapshot = !argv.includes('--no-snapshot');
const extra = flag(argv, '--config-extra');
const variants = envVariants(flag(argv, '--env-variants'));
const logLevel = (['debug', 'info'] as const).find((l) => l === flag(argv, '--log-level')) ?? 'warn';
const applyFirst = !argv.includes('--no-apply');
const cliKind = flag(argv, '--cli');
const cli = cliKind === undefined || cliKind === 'unbundled' ? undefined : meshdCliOf(cliKind);

/** The daemon's memory gauges from its /metrics (prom-client default metrics), MB. */
async function memoryMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const pick = (name: string): number => Number(new RegExp(`^meshd_${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
  return {
    rss_mb: pick('process_resident_memory_bytes'),
    heap_used_mb: pick('nodejs_heap_size_used_bytes'),
    heap_total_mb: pick('nodejs_heap_size_total_bytes'),
    external_mb: pick('nodejs_external_memory_bytes'),
  };
}

/** Waits for the snapshot the daemon writes on SIGUSR2 to appear and stop growing. */
async function snapshotFile(dir: string): Promise<string> {
  for (let tries = 0; tries < 600; tries += 1) {
    await sleep(1000);
    const name = (await readdir(dir)).find((f) => f.endsWith('.heapsnapshot'));
    if (!name) continue;
    const size1 = (await stat(join(dir, name))).size;
    await sleep(2000);
    if ((await stat(join(dir, name))).size === size1 && size1 > 0) return join(dir, name);
  }
  throw new Error('no heap snapshot after 10 minutes');
}

/** One daemon on the converged mesh: its idle RSS, V8 split, idle CPU and (first variant) heap snapshot. */
async function measureDaemon(
  ws: Workspace,
  target: ScaleTarget,
  env: Record<string, string>,
  withSnapshot: boolean,
): Promise<Record<string, unknown> & { load: number[] }> {
  const daemon = await startDaemon(ws, {
    nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${outDir}`, ...nodeArgs],
    env,
    logLevel,
    ...(cli ? { cli } : {}),
  });
  try {
    const started = performance.now();
    await daemon.ready().finally(() => console.log(`daemon log: ${daemon.logPath}`));
    const readySeconds = (performance.now() - started) / 1000;
    const atReady = perCluster(target);
    const quietSeconds = await waitQuiet(target).then(() => (performance.now() - started) / 1000);
    await sleep(settle * 1000);
    const atQuiet = perCluster(target);
    const idleCpuPct = idleSeconds > 0 ? await cpuPercentOver(daemon.pid, idleSeconds) : undefined;
    const afterIdle = perCluster(target);
    console.log(
      `served per cluster (control plane | each remote, mean): at ready ${JSON.stringify(atReady)}; at quiet ${JSON.stringify(atQuiet)}; after the idle window ${JSON.stringify(afterIdle)}`,
    );
    const memory = { ...(await memoryMetrics(daemon.url)), proc_rss_mb: (await rssOf(daemon.pid)).rssMb };
    const [cpuSeconds, load] = [await cpuSecondsOf(daemon.pid), await loadAverage()];
    console.log(
      `idle daemon at ${clusters} clusters${Object.keys(env).length > 0 ? ` with ${JSON.stringify(env)}` : ''}: ready ${readySeconds.toFixed(1)} s, quiet ${quietSeconds.toFixed(1)} s, CPU so far ${cpuSeconds.toFixed(1)} s, ${JSON.stringify(memory)}${idleCpuPct === undefined ? '' : `, idle CPU ${idleCpuPct.toFixed(2)} % over ${idleSeconds} s`} (load ${load})`,
    );
    const result = {
      env,
      cli: cliKind ?? 'unbundled',
      served: { at_ready: atReady, at_quiet: atQuiet, after_idle: afterIdle },
      ready_s: readySeconds,
      quiet_s: quietSeconds,
      daemon_cpu_s: cpuSeconds,
      memory,
      idle_cpu_pct: idleCpuPct,
      load: [load],
    };
    return withSnapshot ? { ...result, ...(await heapSnapshotOf(daemon.pid)) } : result;
  } finally {
    await daemon.stop();
    await copyFile(daemon.logPath, join(outDir, `daemon-${clusters}.log`)).catch(() => undefined);
  }
}

/** Has the daemon write a heap snapshot (SIGUSR2), prints its largest constructors and returns them with the file. */
async function heapSnapshotOf(pid: number): Promise<{ top: unknown[]; snapshot: string }> {
  process.kill(pid, 'SIGUSR2');
  const file = await snapshotFile(outDir);
  const summary = summariseHeap(JSON.parse(await readFile(file, 'utf8')) as Snapshot);
  console.log(heapSummaryLines(summary, top).join('\n'));
  return { top: summary.rows.slice(0, top), snapshot: file };
}

/** What the simulated control plane and the mean remote served so far (reads, writes, watches, TLS connections). */
function perCluster(target: ScaleTarget): { cp: RequestCounts; remote: RequestCounts } | undefined {
  const counts = target.counts?.();
  if (counts === undefined || counts.length < 2) return undefined;
  const [cp, ...remotes] = counts as [RequestCounts, ...RequestCounts[]];
  const mean = (k: keyof RequestCounts): number => Math.round((remotes.reduce((n, c) => n + c[k], 0) / remotes.length) * 10) / 10;
  const remote = {
    reads: mean('reads'),
    writes: mean('writes'),
    watches: mean('watches'),
    connections: mean('connections'),
    h2Connections: mean('h2Connections'),
  };
  return { cp, remote };
}

/** `--env-variants 'A=1 B=2|C=3|'`: one environment per daemon run ('' is the daemon as it is). */
function envVariants(text: string | undefined): Record<string, string>[] {
  if (text === undefined) return [{}];
  return text.split('|').map((variant) =>
    Object.fromEntries(
      variant
        .split(' ')
        .filter((kv) => kv.includes('='))
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    ),
  );
}

requireBuiltMeshd();
await mkdir(outDir, { recursive: true });
const target = await simTarget(clusters);
const registry = clusters > 700 ? ['registry: { mode: secrets }'] : [];
const config = meshdConfigText({
  helm: binaryPaths().helm,
  secretNamespaces: ['default', ...APP_NAMESPACES],
  extra: ['credentials: { mode: operator }', ...registry, ...(extra ? [extra] : [])],
});
const ws = await createWorkspace(target.clusters, config);
try {
  const load0 = await loadAverage();
  const apply = applyFirst
    ? await runMeasuredMeshd(['apply', '--dir', ws.dir, '--config', ws.configPath])
    : { code: -1, wallSeconds: 0, rssMb: 0, cpuSeconds: 0, stdout: '' };
  // Under load a 1 000-cluster apply may end not converged on one timeout: the daemon converges the rest.
  if (applyFirst)
    console.log(
      `${apply.code === 0 ? 'converged' : `meshd apply exited ${apply.code} after`} ${clusters} clusters in ${apply.wallSeconds.toFixed(1)} s, peak RSS ${apply.rssMb.toFixed(0)} MB, CPU ${apply.cpuSeconds.toFixed(1)} s (load ${load0})`,
    );
  if (applyFirst && apply.code !== 0)
    console.log(
      apply.stdout
        .split('\n')
        .filter((l) => /error|failed/.test(l))
        .slice(0, 10)
        .join('\n'),
    );
  const results = [];
  for (const [index, env] of variants.entries()) {
    const result = await measureDaemon(ws, target, env, snapshot && index === 0);
    results.push({
      clusters,
      converge_s: apply.wallSeconds,
      converge_exit: apply.code,
      converge_rss_mb: apply.rssMb,
      converge_cpu_s: apply.cpuSeconds,
      ...result,
      load: [load0, ...result.load],
    });
  }
  await writeFile(join(outDir, `heap-${clusters}.json`), `${JSON.stringify(variants.length === 1 ? results[0] : results, null, 2)}\n`);
} finally {
  await ws.cleanup();
  await target.stop();
}
