// Where the idle daemon's memory is at N simulated clusters: converges the mesh with `meshd apply`,
// starts `meshd run` with --heapsnapshot-signal, waits until it is idle, reads its RSS and the V8
// split from /metrics (heap used/total, external), writes a heap snapshot (SIGUSR2) and prints its
// largest constructors by self size.
// Run: npx tsx bench/scale/heap.ts [--clusters 500] [--out DIR] [--top N] [--settle-seconds S] [--idle-seconds S]
//      [--node-args 'ARG ARG…'] [--config-extra 'YAML LINE'] [--no-snapshot]
// --idle-seconds S measures the daemon's CPU over S seconds after the settle time (before the snapshot);
// --no-snapshot stops the daemon right after that window (with --node-args '--cpu-prof --cpu-prof-dir=D',
// `npx tsx bench/profile.ts D/*.cpuprofile --last S` then shows what the idle daemon did).
// DIR keeps the snapshot (hundreds of MB at 500 clusters) and heap-N.json (the figures).
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { binaryPaths } from '@meshd/testenv';
import { flag, intFlag } from '../lib/args.js';
import { sleep, startDaemon } from '../lib/daemon.js';
import { loadAverage, requireBuiltMeshd, rssOf, runMeasuredMeshd } from '../lib/proc.js';
import { createWorkspace, meshdConfigText } from '../lib/workspace.js';
import { heapSummaryLines, summariseHeap, type Snapshot } from '../heap-summary.js';
import { cpuPercentOver, waitQuiet } from './idle.js';
import { APP_NAMESPACES, simTarget } from './targets.js';

const argv = process.argv;
const clusters = intFlag(argv, '--clusters', 500);
const outDir = resolve(flag(argv, '--out') ?? '/tmp/meshd-heap');
const top = intFlag(argv, '--top', 40);
const settle = intFlag(argv, '--settle-seconds', 30);
const nodeArgs = (flag(argv, '--node-args') ?? '').split(' ').filter((a) => a !== '');
const idleSeconds = intFlag(argv, '--idle-seconds', 0);
const snapshot = !argv.includes('--no-snapshot');
const extra = flag(argv, '--config-extra');

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
  const apply = await runMeasuredMeshd(['apply', '--dir', ws.dir, '--config', ws.configPath]);
  // Under load a 1 000-cluster apply may end not converged on one timeout: the daemon converges the rest.
  console.log(
    `${apply.code === 0 ? 'converged' : `meshd apply exited ${apply.code} after`} ${clusters} clusters in ${apply.wallSeconds.toFixed(1)} s, peak RSS ${apply.rssMb.toFixed(0)} MB, CPU ${apply.cpuSeconds.toFixed(1)} s (load ${load0})`,
  );
  if (apply.code !== 0)
    console.log(
      apply.stdout
        .split('\n')
        .filter((l) => /error|failed/.test(l))
        .slice(0, 10)
        .join('\n'),
    );
  const daemon = await startDaemon(ws, { nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${outDir}`, ...nodeArgs] });
  try {
    await daemon.ready();
    await waitQuiet(target);
    await sleep(settle * 1000);
    const idleCpuPct = idleSeconds > 0 ? await cpuPercentOver(daemon.pid, idleSeconds) : undefined;
    const memory = { ...(await memoryMetrics(daemon.url)), proc_rss_mb: (await rssOf(daemon.pid)).rssMb };
    console.log(
      `idle daemon at ${clusters} clusters: ${JSON.stringify(memory)}${idleCpuPct === undefined ? '' : `, idle CPU ${idleCpuPct.toFixed(2)} % over ${idleSeconds} s`} (load ${await loadAverage()})`,
    );
    const result = {
      clusters,
      converge_s: apply.wallSeconds,
      converge_exit: apply.code,
      converge_rss_mb: apply.rssMb,
      converge_cpu_s: apply.cpuSeconds,
      memory,
      idle_cpu_pct: idleCpuPct,
      load: [load0, await loadAverage()],
    };
    if (snapshot) {
      process.kill(daemon.pid, 'SIGUSR2');
      const file = await snapshotFile(outDir);
      const summary = summariseHeap(JSON.parse(await readFile(file, 'utf8')) as Snapshot);
      console.log(heapSummaryLines(summary, top).join('\n'));
      Object.assign(result, { top: summary.rows.slice(0, top), snapshot: file });
    }
    await writeFile(join(outDir, `heap-${clusters}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await daemon.stop();
  }
} finally {
  await ws.cleanup();
  await target.stop();
}
