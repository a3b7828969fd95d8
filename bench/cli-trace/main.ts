// bench:cli-trace — where one-shot `meshd apply` runs spend their time, per stage, for one or more
// builds of the CLI side by side on the same 3 test clusters as bench:manual (app-1, app-2, the
// secrets step on for default, app-1 and app-2). Each round, for each build in turn: the mesh reset
// as bench:manual resets it, `apply` from empty, then `apply` again (no-op), each traced by the
// hook (hook.ts) and its writes counted on the API servers. The first round warms helm's store
// and is left out of the medians.
// Run: npx tsx bench/cli-trace/main.ts [--runs N] [--out FILE] [--timeline DIR] BIN...
//      (BIN: a tarball's bin/meshd, e.g. dist/stage/meshd-0.1.0/bin/meshd)
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { binaryPaths, startClusters } from '@meshd/testenv';
import type { TestEnv } from '@meshd/testenv';
import { flag, intFlag } from '../lib/args.js';
import { machineInfo } from '../lib/machine.js';
import { loadAverage, runTimed } from '../lib/proc.js';
import { median } from '../lib/stats.js';
import { createWorkspace, meshdConfigText } from '../lib/workspace.js';
import type { Workspace } from '../lib/workspace.js';
import { settledWrites, totalDelta } from '../lib/writes.js';
import { resetMesh } from '../manual/reset.js';
import { summarise, timeline } from './analyse.js';
import type { TraceSummary } from './analyse.js';
import { HOOK_SOURCE } from './hook.js';
import type { TraceFile } from './hook.js';

const APP_NAMESPACES = ['app-1', 'app-2'];
const SECRET_NAMESPACES = ['default', ...APP_NAMESPACES];
const CASES = ['fromEmpty', 'noop'] as const;

/** One traced run: the hook's summary, the writes the API servers counted, the load after it. */
interface TracedRun {
  summary: TraceSummary;
  writes: number;
  load: number;
  lines: string[];
}

function positional(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg.startsWith('--')) i++;
    else out.push(arg);
  }
  return out;
}

async function tracedApply(env: TestEnv, bin: string, ws: Workspace, hook: string): Promise<TracedRun> {
  const traceFile = join(ws.root, 'trace.json');
  const before = await settledWrites(env.clusters);
  const run = await runTimed(process.execPath, ['--require', hook, bin, 'apply', '--dir', ws.dir, '--config', ws.configPath], {
    ...process.env,
    MESHD_TRACE_FILE: traceFile,
  });
  if (run.code !== 0) throw new Error(`${bin} apply failed:\n${run.stdout}${run.stderr}`);
  const after = await settledWrites(env.clusters);
  const trace = JSON.parse(await readFile(traceFile, 'utf8')) as TraceFile;
  // A trace without requests means the hook no longer sees meshd's transport: its figures would be wrong, not small.
  if (!trace.events.some((e) => e.kind === 'http')) throw new Error(`${bin} apply: the trace hook saw no request (is meshd's transport wrapped in hook.ts?)`);
  return { summary: summarise(trace), writes: totalDelta(before, after), load: await loadAverage(), lines: timeline(trace) };
}

async function workspaceFor(env: TestEnv): Promise<Workspace> {
  const clusters = await Promise.all(env.clusters.map(async (c) => ({ name: c.name, kubeconfigText: await readFile(c.kubeconfigPath, 'utf8') })));
  return createWorkspace(clusters, meshdConfigText({ helm: binaryPaths().helm, secretNamespaces: SECRET_NAMESPACES }));
}

async function createAppNamespaces(env: TestEnv): Promise<void> {
  const core = env.clusters.slice(1).map((r) => r.kubeConfig().makeApiClient(CoreV1Api));
  await Promise.all(core.flatMap((api) => APP_NAMESPACES.map((name) => api.createNamespace({ body: { metadata: { name } } }))));
}

type Runs = Map<string, Record<(typeof CASES)[number], TracedRun[]>>;

/** The runs as written to --out: summaries, writes and loads (the timelines go to --timeline). */
function withoutTimelines(all: Runs): Record<string, Record<string, Omit<TracedRun, 'lines'>[]>> {
  const strip = (runs: TracedRun[]): Omit<TracedRun, 'lines'>[] => runs.map(({ lines: _lines, ...rest }) => rest);
  return Object.fromEntries([...all].map(([bin, r]) => [bin, { fromEmpty: strip(r.fromEmpty), noop: strip(r.noop) }]));
}

function medians(runs: readonly TracedRun[]): Record<string, number | string> {
  const m = (f: (r: TracedRun) => number): number => Math.round(median(runs.map(f)) * 10) / 10;
  return {
    startupMs: m((r) => r.summary.startupMs),
    passMs: m((r) => r.summary.passMs),
    exitMs: m((r) => r.summary.exitMs),
    localMs: m((r) => r.summary.localMs),
    cpuMs: m((r) => r.summary.cpuMs),
    requests: m((r) => r.summary.requests),
    writeRequests: m((r) => r.summary.writeRequests),
    writes: m((r) => r.writes),
    sequentialRoundTrips: m((r) => r.summary.sequentialRoundTrips),
    helmRuns: m((r) => r.summary.helmRuns),
    helmMs: m((r) => r.summary.helmMs),
    fsyncs: m((r) => r.summary.fsyncs),
    timers: [...new Set(runs.flatMap((r) => r.summary.timers))].join(' '),
  };
}

const runs = intFlag(process.argv, '--runs', 5) + 1;
const out = flag(process.argv, '--out');
const timelineDir = flag(process.argv, '--timeline');
const bins = positional(process.argv);
if (bins.length === 0) throw new Error('usage: cli-trace/main.ts [--runs N] [--out FILE] [--timeline DIR] BIN...');
const machine = machineInfo();
console.log(`bench:cli-trace: ${runs - 1} measured rounds (+1 warm-up) of ${bins.join(', ')}; load ${machine.loadAtStart.join(' ')}`);
const hookDir = await mkdtemp(join(tmpdir(), 'meshd-trace-'));
const hook = join(hookDir, 'hook.cjs');
await writeFile(hook, HOOK_SOURCE);
const env = await startClusters({ count: 3 });
const all: Runs = new Map(bins.map((b) => [b, { fromEmpty: [], noop: [] }]));

/** One build's round: the mesh reset, from empty, no-op; kept from round 1 on, the last round's timelines written. */
async function oneRound(round: number, bin: string, ws: Workspace): Promise<void> {
  await resetMesh(env, SECRET_NAMESPACES);
  const fromEmpty = await tracedApply(env, bin, ws, hook);
  const noop = await tracedApply(env, bin, ws, hook);
  console.log(
    `round ${round} ${bin}: from empty ${fromEmpty.summary.exitMs.toFixed(0)} ms (${fromEmpty.summary.sequentialRoundTrips} round trips in sequence, ${fromEmpty.writes} writes), no-op ${noop.summary.exitMs.toFixed(0)} ms; load ${noop.load}`,
  );
  if (round === 0) return;
  all.get(bin)?.fromEmpty.push(fromEmpty);
  all.get(bin)?.noop.push(noop);
  if (timelineDir === undefined || round !== runs - 1) return;
  await mkdir(timelineDir, { recursive: true });
  const name = bin.replace(/[^a-z0-9]+/gi, '_');
  await writeFile(join(timelineDir, `${name}.from-empty.txt`), `${fromEmpty.lines.join('\n')}\n`);
  await writeFile(join(timelineDir, `${name}.noop.txt`), `${noop.lines.join('\n')}\n`);
}
try {
  await createAppNamespaces(env);
  const spaces = new Map(await Promise.all(bins.map(async (b) => [b, await workspaceFor(env)] as const)));
  for (let round = 0; round < runs; round++) {
    for (const bin of round % 2 === 0 ? bins : [...bins].reverse()) await oneRound(round, bin, spaces.get(bin) as Workspace);
  }
  const report = Object.fromEntries([...all].map(([bin, r]) => [bin, Object.fromEntries(CASES.map((c) => [c, medians(r[c])]))]));
  console.log(JSON.stringify(report, null, 2));
  if (out !== undefined) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify({ machine, loadAtEnd: await loadAverage(), medians: report, runs: withoutTimelines(all) }, null, 2)}\n`);
  }
  await Promise.all([...spaces.values()].map((ws) => ws.cleanup()));
} finally {
  await env.stop();
}
