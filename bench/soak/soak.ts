// The soak: `meshd run` (its own process) against 3 real clusters, every link through the fault
// proxy, under continuous churn (churn.ts) for N minutes. It records whether each change converged
// and how long it took, DELETE requests to meshd's resources that the soak did not send itself, and
// the daemon's RSS and open file descriptors over time, and what of the RSS is V8's heap (from its
// /metrics): a heap that stays flat while RSS grows is memory held outside JavaScript objects.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startClusters } from '@meshd/testenv';
import { ensureBuilt, startDaemonProcess, until, type DaemonProcess } from '@meshd/testkit';
import { addAll, MESHD_RESOURCES, workspace } from '../../test/support/mesh.js';
import { percentile } from '../lib/latency.js';
import { rssOf } from '../lib/proc.js';
import { REPO } from '../lib/workspace.js';
import { makeChange, type ChangeKind, type ChurnContext, type MadeChange } from './churn.js';

/** What `npm run soak` writes (the shape is part of its interface). */
export interface SoakResult {
  minutes: number;
  changes: number;
  converged: number;
  unexpected_deletes: number;
  rss_start_mb: number;
  rss_end_mb: number;
  rss_slope_mb_per_hour: number;
  fds_start: number;
  fds_end: number;
  p50_converge_ms: number;
  p95_converge_ms: number;
  /** V8's heap in use (MB) at the first and last samples, and its least-squares slope. Beyond the contract above. */
  heap_used_start_mb: number;
  heap_used_end_mb: number;
  heap_used_slope_mb_per_hour: number;
  /** Slope of RSS minus V8's committed heap: memory held outside JavaScript objects (native, allocator). */
  outside_heap_slope_mb_per_hour: number;
  /** Slope of V8's code space in use: compiled code, which grows as the JIT warms up to the work, then levels off. */
  code_space_slope_mb_per_hour: number;
  /** The RSS slope once the warm-up is over (the first WARMUP_MINUTES, or a third of a shorter run). */
  rss_slope_after_warmup_mb_per_hour: number;
}

/**
 * The minutes of churn a run's steady-state slope leaves out: the first time each kind of change
 * runs, the daemon loads and compiles the code it takes (a step of ~15 MB of RSS in the first few
 * minutes of every run so far), which a least-squares slope over a short run reads as a trend.
 */
export const WARMUP_MINUTES = 5;

/** The soak's result with what it is good to know beside it (not part of the JSON contract). */
export interface SoakRun {
  result: SoakResult;
  /** Changes that did not converge within the deadline, with their kind. */
  failures: { n: number; kind: ChangeKind }[];
  /** Convergence time per kind (ms). */
  byKind: Record<string, number[]>;
  /** The daemon's RSS and open file descriptors, sampled every 5 s (for the chart). */
  samples: SoakSample[];
}

/** Options of runSoak. */
export interface SoakOptions {
  minutes: number;
  /** How long one change may take to converge (ms); default 60 s. */
  changeDeadlineMs?: number;
  /** How long a partition holds (ms); default 6 s. */
  partitionMs?: number;
  /** Called with a line of progress now and then. */
  log?: (line: string) => void;
  /** Extra environment for the daemon, over the systemd unit's (unitEnvironment): an allocator setting to compare, say. */
  daemonEnv?: NodeJS.ProcessEnv;
}

/** The systemd unit meshd ships: the soak runs the daemon with its Node options. */
export const UNIT_FILE = join(REPO, 'examples/systemd/meshd.service');

/**
 * The NODE_OPTIONS a systemd unit's text sets (`Environment=NODE_OPTIONS=…`, the last one wins),
 * as an environment; empty when it sets none. Pure.
 */
export function unitNodeOptions(unitText: string): NodeJS.ProcessEnv {
  const set = [...unitText.matchAll(/^Environment="?NODE_OPTIONS=([^"\n]*)"?$/gm)].at(-1)?.[1];
  return set === undefined ? {} : { NODE_OPTIONS: set };
}

/**
 * One sample of the daemon: hours since the churn started, RSS in MB, open file descriptors, and
 * V8's heap in use and committed (MB; absent in samples read back from an old progress log).
 */
export interface SoakSample {
  atHours: number;
  rssMb: number;
  fds: number;
  heapUsedMb?: number;
  heapTotalMb?: number;
  /** V8's code space in use (MB). */
  codeMb?: number;
}
type Sample = SoakSample;

/** Least-squares slope of `value` (default: rss) over time, per hour; 0 with fewer than two samples. Pure. */
export function slopePerHour<T extends { atHours: number; rssMb: number }>(samples: readonly T[], value: (s: T) => number = (s) => s.rssMb): number {
  if (samples.length < 2) return 0;
  const n = samples.length;
  const mx = samples.reduce((s, p) => s + p.atHours, 0) / n;
  const my = samples.reduce((s, p) => s + value(p), 0) / n;
  const sxx = samples.reduce((s, p) => s + (p.atHours - mx) ** 2, 0);
  const sxy = samples.reduce((s, p) => s + (p.atHours - mx) * (value(p) - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** V8's heap in use and committed (MB), read from the daemon's /metrics (prom-client's default metrics). Pure. */
export function heapOfMetrics(text: string): { heapUsedMb: number; heapTotalMb: number; codeMb?: number } | undefined {
  const value = (series: string): number | undefined => {
    const m = new RegExp(`^meshd_nodejs_${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) / 1048576 : undefined;
  };
  const heapUsedMb = value('heap_size_used_bytes');
  const heapTotalMb = value('heap_size_total_bytes');
  const codeMb = value('heap_space_size_used_bytes{space="code"}');
  if (heapUsedMb === undefined || heapTotalMb === undefined) return undefined;
  return codeMb === undefined ? { heapUsedMb, heapTotalMb } : { heapUsedMb, heapTotalMb, codeMb };
}

async function sampleOf(daemon: DaemonProcess, startedAt: number): Promise<Sample> {
  const [{ rssMb }, fds, metrics] = await Promise.all([
    rssOf(daemon.pid),
    readdir(`/proc/${daemon.pid}/fd`),
    fetch(`${daemon.url}/metrics`).then((r) => r.text()),
  ]);
  return { atHours: (performance.now() - startedAt) / 3_600_000, rssMb, fds: fds.length, ...heapOfMetrics(metrics) };
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Waits until /status shows every cluster converged and the queue empty. */
async function settled(daemon: DaemonProcess): Promise<void> {
  await until(
    'every cluster converged',
    async () => {
      const status = await daemon.status();
      const idle = (status.queue?.depth ?? 0) === 0 && (status.queue?.active.length ?? 0) === 0;
      return idle && status.clusters.every((c) => c.state === 'converged') ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200, context: () => daemon.tail() },
  );
}

/** What the churn loop counted. */
interface Tally {
  n: number;
  times: number[];
  byKind: Record<string, number[]>;
  failures: SoakRun['failures'];
  ownDeletes: number;
}

/** The progress line every 10 changes (chart.ts reads it back from a log). Pure. */
function progressLine(changes: number, minutes: number, sample: Sample | undefined): string {
  const heap = sample?.heapUsedMb === undefined ? '?' : sample.heapUsedMb.toFixed(0);
  return `soak: ${changes} changes, ${minutes.toFixed(1)} min, rss ${sample?.rssMb.toFixed(0)} MB, fds ${sample?.fds}, heap ${heap} MB`;
}

/** Makes changes one after another until `options.minutes` have passed since `startedAt`, each awaited to convergence (or its deadline). */
async function churn(
  ctx: ChurnContext,
  options: SoakOptions & { log: (line: string) => void },
  latest: () => Sample | undefined,
  startedAt: number,
): Promise<Tally> {
  const tally: Tally = { n: 0, times: [], byKind: {}, failures: [], ownDeletes: 0 };
  for (; performance.now() - startedAt < options.minutes * 60_000; tally.n++) {
    const change = await makeChange(ctx, tally.n);
    tally.ownDeletes += change.ownDeletes;
    const ms = await convergeTime(change, options.changeDeadlineMs ?? 60_000);
    if (ms === undefined) {
      tally.failures.push({ n: tally.n, kind: change.kind });
      options.log(`soak: change #${tally.n} (${change.kind}) did not converge`);
    } else {
      tally.times.push(ms);
      (tally.byKind[change.kind] ??= []).push(Math.round(ms));
    }
    if (tally.n % 10 === 9) options.log(progressLine(tally.n + 1, (performance.now() - startedAt) / 60_000, latest()));
    await new Promise((done) => setTimeout(done, 500));
  }
  return tally;
}

/** Milliseconds from the change until its check holds, or undefined past the deadline. */
async function convergeTime(change: MadeChange, deadlineMs: number): Promise<number | undefined> {
  try {
    await until(`${change.kind} converged`, async () => ((await change.converged()) ? true : undefined), { timeoutMs: deadlineMs, intervalMs: 25 });
    return performance.now() - change.since;
  } catch {
    return undefined;
  }
}

/** The daemon being sampled every 5 s, from `startedAt`, into `samples`. */
interface Sampling {
  running: DaemonProcess;
  startedAt: number;
  samples: Sample[];
}

/** Runs `work` (then waits for the daemon to settle) while sampling the daemon every 5 s. */
async function sampledWhile<T>({ running, startedAt, samples }: Sampling, work: () => Promise<T>): Promise<T> {
  const sampler = setInterval(
    () =>
      void sampleOf(running, startedAt).then(
        (s) => samples.push(s),
        () => undefined,
      ),
    5000,
  );
  try {
    const tally = await work();
    await settled(running);
    return tally;
  } finally {
    clearInterval(sampler);
  }
}

/** What a soak's summary is computed from. */
interface SoakMeasurements {
  samples: readonly Sample[];
  tally: Tally;
  startedAt: number;
  /** DELETE requests meshd made that the churn did not ask for. */
  unexpectedDeletes: () => Promise<number>;
}

async function soakResult({ samples, tally, startedAt, unexpectedDeletes }: SoakMeasurements): Promise<SoakResult> {
  const { times, n } = tally;
  const sorted = [...times].sort((a, b) => a - b);
  const first = samples[0]!;
  const last = samples.at(-1)!;
  return {
    minutes: round((performance.now() - startedAt) / 60_000, 2),
    changes: n,
    converged: times.length,
    unexpected_deletes: await unexpectedDeletes(),
    rss_start_mb: round(first.rssMb),
    rss_end_mb: round(last.rssMb),
    rss_slope_mb_per_hour: round(slopePerHour(samples)),
    fds_start: first.fds,
    fds_end: last.fds,
    p50_converge_ms: Math.round(percentile(sorted, 50)),
    p95_converge_ms: Math.round(percentile(sorted, 95)),
    ...heapFigures(samples),
  };
}

/** The result's heap figures (0 when the daemon's /metrics gave none). Pure. */
function heapFigures(
  samples: readonly Sample[],
): Pick<
  SoakResult,
  | 'heap_used_start_mb'
  | 'heap_used_end_mb'
  | 'heap_used_slope_mb_per_hour'
  | 'outside_heap_slope_mb_per_hour'
  | 'code_space_slope_mb_per_hour'
  | 'rss_slope_after_warmup_mb_per_hour'
> {
  const withHeap = samples.filter((s) => s.heapUsedMb !== undefined && s.heapTotalMb !== undefined);
  const warmupHours = Math.min(WARMUP_MINUTES, ((samples.at(-1)?.atHours ?? 0) * 60) / 3) / 60;
  return {
    code_space_slope_mb_per_hour: round(slopePerHour(withHeap, (s) => s.codeMb ?? 0)),
    rss_slope_after_warmup_mb_per_hour: round(slopePerHour(samples.filter((s) => s.atHours >= warmupHours))),
    heap_used_start_mb: round(withHeap[0]?.heapUsedMb ?? 0),
    heap_used_end_mb: round(withHeap.at(-1)?.heapUsedMb ?? 0),
    heap_used_slope_mb_per_hour: round(slopePerHour(withHeap, (s) => s.heapUsedMb ?? 0)),
    outside_heap_slope_mb_per_hour: round(slopePerHour(withHeap, (s) => s.rssMb - (s.heapTotalMb ?? 0))),
  };
}

/** A settled daemon over its test clusters, ready to be churned. */
interface SoakTarget {
  env: ChurnContext['env'];
  dir: string;
  running: DaemonProcess;
}

/** Churns the target while sampling the daemon, then sums up the run. */
async function churnAndMeasure({ env, dir, running }: SoakTarget, options: SoakOptions & { log: (line: string) => void }): Promise<SoakRun> {
  const deletes = async (): Promise<number> =>
    (await Promise.all(env.clusters.map((c) => c.writeRequestCount({ resources: MESHD_RESOURCES, verbs: ['DELETE'] })))).reduce((a, b) => a + b, 0);
  const deletesBefore = await deletes();
  const startedAt = performance.now();
  const samples: Sample[] = [await sampleOf(running, startedAt)];
  const ctx = { env, dir, partitionMs: options.partitionMs ?? 6000 };
  const tally = await sampledWhile({ running, startedAt, samples }, () => churn(ctx, options, () => samples.at(-1), startedAt));
  const { byKind, failures, ownDeletes } = tally;
  samples.push(await sampleOf(running, startedAt));
  const result = await soakResult({ samples, tally, startedAt, unexpectedDeletes: async () => (await deletes()) - deletesBefore - ownDeletes });
  return { result, failures, byKind, samples };
}

/** Runs a soak; the clusters, the workspace and the daemon are gone when it resolves. */
export async function runSoak(options: SoakOptions): Promise<SoakRun> {
  const log = options.log ?? (() => undefined);
  ensureBuilt();
  const env = await startClusters({ count: 3, proxy: true });
  const ws = await workspace(['secrets: { namespaces: [default, app-1, app-2] }', 'watchTimeout: 60s']);
  let daemon: DaemonProcess | undefined;
  try {
    await addAll(ws, env);
    // As the systemd unit runs it (its V8 options change what memory the daemon keeps).
    const daemonEnv = { ...unitNodeOptions(await readFile(UNIT_FILE, 'utf8')), ...options.daemonEnv };
    daemon = await startDaemonProcess({ dir: ws.dir, config: ws.configPath, logLevel: 'warn', env: daemonEnv });
    await daemon.waitReady();
    await settled(daemon);
    return await churnAndMeasure({ env, dir: ws.dir, running: daemon }, { ...options, log });
  } finally {
    await daemon?.stop();
    await ws.cleanup();
    await env.stop();
  }
}
