// Pure: what one traced `meshd apply` spent, from the hook's events — counts that do not depend on
// the machine's load (requests, round trips in sequence, helm runs, fsyncs) and the wall time split
// into start-up, waiting on the network or helm, and local work.
import { roundTripsInSequence } from '@meshd/testkit';
import type { TraceEvent, TraceFile } from './hook.js';

/** The figures of one traced run. */
export interface TraceSummary {
  /** ms from the process start to its first request (Node, the bundle, config, state, directory). */
  startupMs: number;
  /** ms from the first request to exit. */
  passMs: number;
  exitMs: number;
  cpuMs: number;
  requests: number;
  /** Write requests (everything but GET). */
  writeRequests: number;
  /**
   * The longest chain of requests each starting after the one before it ended: the pass's round
   * trips in sequence (an upper bound of its dependencies; independent requests that happened not to
   * overlap count too).
   */
  sequentialRoundTrips: number;
  /** The same per server (host:port). */
  sequentialByServer: Record<string, number>;
  helmRuns: number;
  helmMs: number;
  fsyncs: number;
  /** Timers that fired after waiting (a sleep or a poll on the path), as "delay×count". */
  timers: string[];
  /** ms of the pass (first request to exit) with no request and no child process in flight: local work. */
  localMs: number;
}

function endOf(e: TraceEvent): number {
  return e.end ?? e.start;
}

/** ms within [from, to] covered by no event. */
export function uncoveredMs(events: readonly TraceEvent[], from: number, to: number): number {
  const spans = events.map((e) => [Math.max(from, e.start), Math.min(to, endOf(e))] as const).filter(([a, b]) => b > a);
  spans.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let reach = from;
  for (const [a, b] of spans) {
    if (b <= reach) continue;
    covered += b - Math.max(a, reach);
    reach = b;
  }
  return to - from - covered;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}

/** Summarises one trace. */
export function summarise(trace: TraceFile): TraceSummary {
  const http = trace.events.filter((e) => e.kind === 'http');
  const helm = trace.events.filter((e) => e.kind === 'child' && e.what.startsWith('helm'));
  const firstRequest = Math.min(trace.exitAt, ...http.map((e) => e.start));
  const byServer = countBy(http, (e) => e.server ?? '?');
  const timers = countBy(
    trace.events.filter((e) => e.kind === 'timer'),
    (e) => e.what,
  );
  return {
    startupMs: firstRequest,
    passMs: trace.exitAt - firstRequest,
    exitMs: trace.exitAt,
    cpuMs: trace.cpuUserMs + trace.cpuSystemMs,
    requests: http.length,
    writeRequests: http.filter((e) => !e.what.startsWith('GET ')).length,
    sequentialRoundTrips: roundTripsInSequence(http),
    sequentialByServer: Object.fromEntries([...byServer].map(([server, events]) => [server, roundTripsInSequence(events)])),
    helmRuns: helm.length,
    helmMs: helm.reduce((ms, e) => ms + endOf(e) - e.start, 0),
    fsyncs: trace.events.filter((e) => e.kind === 'fsync').length,
    timers: [...timers].map(([what, events]) => `${what}×${events.length}`),
    localMs: uncoveredMs(
      trace.events.filter((e) => e.kind === 'http' || e.kind === 'child'),
      firstRequest,
      trace.exitAt,
    ),
  };
}

/** The trace as lines, one per event: start–end ms, kind, server, what; the last line says when the process exited. */
export function timeline(trace: TraceFile): string[] {
  return [...trace.events]
    .sort((a, b) => a.start - b.start)
    .map((e) => `${e.start.toFixed(1).padStart(8)}–${endOf(e).toFixed(1).padStart(8)} ${e.kind.padEnd(6)} ${(e.server ?? '').padEnd(16)} ${e.what}`)
    .concat(`${trace.exitAt.toFixed(1).padStart(8)}${' '.repeat(9)} exit`);
}
