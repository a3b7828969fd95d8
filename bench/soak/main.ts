// npm run soak -- --minutes N --out FILE [--daemon-env K=V,K=V]: the soak (soak.ts) for N minutes
// (the daemon as the systemd unit runs it, plus that environment, to compare a setting); writes its JSON to FILE
// (and stdout), with the machine, load and the daemon's samples beside it in FILE.machine.json and
// the chart of RSS and file descriptors over time in FILE with .svg in place of .json.
// npx tsx bench/soak/main.ts --chart-from-log LOG --out FILE.svg: only draws the chart from a run's
// progress log (a run made before the samples were written).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { flag, intFlag } from '../lib/args.js';
import { machineInfo, type MachineInfo } from '../lib/machine.js';
import { samplesFromLog, soakChartSvg } from './chart.js';
import { runSoak, UNIT_FILE, unitNodeOptions, type SoakRun } from './soak.js';

const svgPathOf = (json: string): string => `${json.replace(/\.json$/, '')}.svg`;
const captionOf = (machine: MachineInfo, minutes: number, daemonEnv: NodeJS.ProcessEnv | undefined): string =>
  `${new Date().toISOString().slice(0, 10)}: ${minutes} min soak, ${machine.cpus} × ${machine.cpuModel}, load at start ${machine.loadAtStart.join(' ')}` +
  (daemonEnv
    ? `, daemon with ${Object.entries(daemonEnv)
        .map(([k, v]) => `${k}=${v ?? ''}`)
        .join(' ')}`
    : '');

/** Writes the run's JSON, its machine file (with the samples) and its chart. */
async function writeRun(out: string, run: SoakRun, machine: MachineInfo & { daemonEnv?: NodeJS.ProcessEnv | undefined }, text: string): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  const extra = { loadAtEnd: machineInfo().loadAtStart, byKind: run.byKind, failures: run.failures, samples: run.samples };
  await writeFile(`${out}.machine.json`, `${JSON.stringify({ ...machine, ...extra }, null, 2)}\n`);
  await writeFile(svgPathOf(out), soakChartSvg(run.samples, captionOf(machine, run.result.minutes, machine.daemonEnv)));
}

/** `--daemon-env K=V,K=V` as an environment. */
function envFlag(text: string | undefined): NodeJS.ProcessEnv | undefined {
  if (text === undefined) return undefined;
  const env: NodeJS.ProcessEnv = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--daemon-env: "${pair}" is not K=V`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

async function soak(): Promise<void> {
  const minutes = intFlag(process.argv, '--minutes', 3);
  const out = flag(process.argv, '--out');
  const machine = machineInfo();
  console.log(`soak: ${minutes} min; ${machine.cpus} CPUs (${machine.cpuModel}), load ${machine.loadAtStart.join(' ')}`);
  const daemonEnv = envFlag(flag(process.argv, '--daemon-env'));
  const run = await runSoak({ minutes, log: (line) => console.log(line), ...(daemonEnv ? { daemonEnv } : {}) });
  const text = `${JSON.stringify(run.result, null, 2)}\n`;
  console.log(text);
  console.log(
    `by kind (ms): ${Object.entries(run.byKind)
      .map(([k, v]) => `${k} n=${v.length} max=${Math.max(...v)}`)
      .join('; ')}`,
  );
  if (run.failures.length > 0) console.log(`not converged: ${run.failures.map((f) => `#${f.n} ${f.kind}`).join(', ')}`);
  // What the daemon ran with: the systemd unit's Node options, then --daemon-env.
  const ranWith = { ...unitNodeOptions(await readFile(UNIT_FILE, 'utf8')), ...daemonEnv };
  if (out) await writeRun(out, run, { ...machine, daemonEnv: ranWith }, text);
  process.exitCode = run.result.converged === run.result.changes && run.result.unexpected_deletes === 0 ? 0 : 1;
}

async function chartFromLog(log: string): Promise<void> {
  const out = flag(process.argv, '--out');
  if (!out) throw new Error('--chart-from-log needs --out FILE.svg');
  const samples = samplesFromLog(await readFile(log, 'utf8'));
  if (samples.length === 0) throw new Error(`${log}: no "soak: N changes, M min, rss R MB, fds F" line in it`);
  const caption = flag(process.argv, '--caption') ?? `soak progress of ${log}`;
  await writeFile(out, soakChartSvg(samples, caption));
  console.log(`${out}: ${samples.length} samples over ${(samples.at(-1)!.atHours * 60).toFixed(1)} min`);
}

const fromLog = flag(process.argv, '--chart-from-log');
await (fromLog ? chartFromLog(fromLog) : soak());
