// bench:scale — meshd's own cost as the mesh grows: converge from empty, peak RSS, CPU, writes per
// cluster, and the daemon's idle CPU. Real test clusters up to --real-max clusters (default 10;
// those counts are also measured on the simulation, to show how closely it follows), the
// simulated API (bench/sim) for every count.
// Run: npm run bench:scale -- [--clusters 10,100,500] [--out FILE] [--real-max N] [--idle-seconds S] [--max-old-space MB]
//      [--concurrency N]   (meshd.yaml `concurrency`; default: meshd's own default)
// The daemon is idled for two windows of --idle-seconds: idle_cpu_pct is the second (steady), the
// first (with V8's memory-reducer GC after the start-up burst) is idle_first_window_cpu_pct.
// --out FILE writes the JSON and FILE with .svg in place of .json (the chart).
// --redraw FILE only redraws FILE's chart (FILE.svg) from its JSON.
// --max-old-space MB runs every meshd process with node --max-old-space-size=MB (the heap cap).
// --cpu-prof DIR profiles each `meshd apply` (DIR/<api>-<clusters>-from-empty|noop/*.cpuprofile);
// summarise one with `npx tsx bench/profile.ts FILE --top 20`.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { flag, intFlag, intListFlag } from '../lib/args.js';
import { machineInfo } from '../lib/machine.js';
import { requireBuiltMeshd } from '../lib/proc.js';
import { scaleChartSvg } from './chart.js';
import { measurePoint } from './point.js';
import type { PerRemote, ScalePoint } from './point.js';
import type { MachineInfo } from '../lib/machine.js';

const argv = process.argv;

function chartPath(json: string): string {
  return json.replace(/\.json$/, '') + '.svg';
}

async function drawChart(json: string, points: readonly ScalePoint[], machine: MachineInfo): Promise<void> {
  await writeFile(
    chartPath(json),
    scaleChartSvg(points, `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}, ${machine.date.slice(0, 10)}`),
  );
}

const redraw = flag(argv, '--redraw');
if (redraw) {
  const saved = JSON.parse(await readFile(redraw, 'utf8')) as { points: ScalePoint[]; machine: MachineInfo };
  await drawChart(redraw, saved.points, saved.machine);
  console.log(`wrote ${chartPath(redraw)}`);
  process.exit(0);
}
const counts = intListFlag(argv, '--clusters', [10, 100, 500]);
const out = flag(argv, '--out');
const realMax = Number(flag(argv, '--real-max') ?? 10);
const idleSeconds = Number(flag(argv, '--idle-seconds') ?? 60);
const concurrency = flag(argv, '--concurrency') === undefined ? undefined : intFlag(argv, '--concurrency', 4);
const cpuProfDir = flag(argv, '--cpu-prof');
const heapCap = flag(argv, '--max-old-space');
const nodeArgs = heapCap === undefined ? [] : [`--max-old-space-size=${intFlag(argv, '--max-old-space', 0)}`];
requireBuiltMeshd();
const machine = machineInfo();
const configExtra = concurrency === undefined ? [] : [`concurrency: ${concurrency}`];
console.log(`bench:scale: clusters ${counts.join(', ')}; real clusters up to ${realMax}; idle window ${idleSeconds} s; load ${machine.loadAtStart.join(' ')}`);

const plan = counts.flatMap((n) =>
  n <= realMax
    ? [
        { n, backend: 'real' as const },
        { n, backend: 'sim' as const },
      ]
    : [{ n, backend: 'sim' as const }],
);
const points: ScalePoint[] = [];

/** "per remote: 2 TLS connections (1 h2), 52 requests; no-op 1 (1), 35; " (simulated meshes only). */
function simConnections(point: ScalePoint): string {
  const c = point.sim_per_remote;
  if (!c) return '';
  const one = (r: PerRemote): string => `${r.connections} TLS connections (${r.h2_connections} h2), ${r.requests} requests`;
  return `per remote: ${one(c.converge)}; no-op ${one(c.noop)}; `;
}
for (const { n, backend } of plan) {
  const point = await measurePoint({ clusters: n, backend, idleSeconds, configExtra, nodeArgs, ...(cpuProfDir ? { cpuProfDir } : {}) });
  points.push(point);
  console.log(
    `${String(n).padStart(4)} ${backend.padEnd(4)} converge ${point.converge_s} s, rss ${point.rss_mb} MB, cpu ${point.cpu_s} s (+helm ${point.helm_cpu_s}), ` +
      `writes/cluster ${point.writes_per_cluster}; no-op ${point.noop_s} s (${point.noop_writes} writes); ` +
      `${simConnections(point)}daemon ready ${point.daemon_ready_s ?? '-'} s, idle cpu ${point.idle_cpu_pct ?? '-'} % (first window ${point.idle_first_window_cpu_pct ?? '-'} %), rss ${point.daemon_rss_mb ?? '-'} MB, idle writes ${point.idle_writes ?? '-'}; load ${point.load.join(' ')}`,
  );
}

if (out) {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ points, machine, concurrency: concurrency ?? 'default' }, null, 2)}\n`);
  await drawChart(out, points, machine);
  console.log(`wrote ${out} and ${chartPath(out)}`);
}
