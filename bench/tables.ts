// Prints the Markdown tables of bench/RESULTS.md from the JSON the benchmarks wrote.
// Run: npx tsx bench/tables.ts [bench/results/manual.json] [bench/results/scale.json]
import { readFile } from 'node:fs/promises';

interface ManualReport {
  runs: number;
  cases: Record<string, Record<string, number>>;
  machine: { date: string; cpus: number; cpuModel: string; memoryGb: number; node: string };
  load: { min: number; median: number; max: number };
}

interface ScaleReport {
  points: Record<string, number | string | null | number[]>[];
  machine: ManualReport['machine'];
}

const row = (cells: readonly (string | number | null | undefined | number[])[]): string =>
  `| ${cells.map((c) => (c === null || c === undefined ? '–' : Array.isArray(c) ? c.join(' ') : String(c))).join(' | ')} |`;
const fixed = (v: unknown, digits = 2): string => (typeof v === 'number' ? v.toFixed(digits) : '–');

function manualTables(r: ManualReport): string {
  const lines = [
    `${r.runs} cycles per tool; ${r.machine.date.slice(0, 16)} UTC; load average (1 min) during the cycles ${r.load.min}–${r.load.max}, median ${r.load.median}.`,
    '',
    row(['case', 'meshd CLI (s)', 'manual (s)', 'ratio CLI/manual', 'meshd in-process (s)', 'ratio in-process/manual', 'writes meshd', 'writes manual']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const [name, c] of Object.entries(r.cases)) {
    lines.push(
      row([
        name,
        fixed(c.meshd_s),
        fixed(c.manual_s),
        fixed(c.ratio),
        fixed(c.meshd_inprocess_s),
        fixed(c.meshd_inprocess_ratio),
        c.meshd_writes,
        c.manual_writes,
      ]),
    );
  }
  const noop = r.cases.noop;
  if (noop?.meshd_daemon_resync_s !== undefined) {
    lines.push(
      '',
      `No-op as the running daemon does it (its timer resync, set to 5 s), median of ${r.runs}: ${fixed(noop.meshd_daemon_resync_s)} s, ratio ${fixed(noop.meshd_daemon_resync_ratio)} of the manual re-run, ${fixed(noop.meshd_daemon_resync_cpu_s)} CPU s each, ${noop.meshd_daemon_resync_writes} writes in all.`,
    );
  }
  const move = r.cases.pilotMove;
  if (move?.meshd_daemon_s !== undefined) {
    lines.push(
      '',
      `Pilot move followed by the running daemon (\`meshd run\`, watch-driven), median of ${r.runs}: ${fixed(move.meshd_daemon_s)} s from the old pod's deletion to every remote updated, ratio ${fixed(move.meshd_daemon_ratio)} of the manual re-run, ${move.meshd_daemon_writes} writes.`,
    );
  }
  return lines.join('\n');
}

function scaleTable(r: ScaleReport): string {
  const lines = [
    row([
      'clusters',
      'API',
      'converge (s)',
      'peak RSS (MB)',
      'CPU (s)',
      'helm CPU (s)',
      'writes/cluster',
      'no-op (s)',
      'no-op writes',
      'daemon ready (s)',
      'daemon quiet (s)',
      'idle CPU % (steady)',
      'idle CPU % (first 60 s)',
      'daemon RSS (MB)',
      'sim CPU (s)',
    ]),
    row(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const p of r.points) {
    lines.push(
      row([
        p.clusters,
        p.backend,
        fixed(p.converge_s),
        fixed(p.rss_mb, 0),
        fixed(p.cpu_s),
        fixed(p.helm_cpu_s),
        fixed(p.writes_per_cluster, 1),
        fixed(p.noop_s),
        p.noop_writes,
        fixed(p.daemon_ready_s),
        fixed(p.daemon_quiet_s),
        fixed(p.idle_cpu_pct),
        fixed(p.idle_first_window_cpu_pct),
        fixed(p.daemon_rss_mb, 0),
        p.backend === 'sim' ? fixed(p.sim_server_cpu_s) : '–',
      ]),
    );
  }
  return lines.join('\n');
}

const [manualPath = 'bench/results/manual.json', scalePath = 'bench/results/scale.json'] = process.argv.slice(2);
const manual = JSON.parse(await readFile(manualPath, 'utf8')) as ManualReport;
const scale = JSON.parse(await readFile(scalePath, 'utf8')) as ScaleReport;
const m = manual.machine;
console.log(`Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}\n`);
console.log(`## bench:manual\n\n${manualTables(manual)}\n`);
console.log(`## bench:scale\n\n${scale.machine.date.slice(0, 16)} UTC\n\n${scaleTable(scale)}`);
