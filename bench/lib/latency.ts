// Latency measurements: time until a condition holds (polled), percentiles and a plain-text table.
import { loadavg } from 'node:os';
import { sleep, until, type DaemonProcess } from '@meshd/testkit';

/** Nearest-rank percentile (p in 0..100) of values sorted ascending; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/** One measured quantity over all its trials, in milliseconds. */
export interface LatencySummary {
  name: string;
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  samples: number[];
}

/** Summarises the samples of one quantity. Pure. */
export function summarize(name: string, samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x);
  return {
    name,
    n: sorted.length,
    p50: r(percentile(sorted, 50)),
    p95: r(percentile(sorted, 95)),
    min: r(sorted[0] ?? Number.NaN),
    max: r(sorted.at(-1) ?? Number.NaN),
    samples: samples.map(r),
  };
}

/** The summaries as an aligned text table (ms). Pure. */
export function latencyTable(rows: readonly LatencySummary[]): string {
  const width = Math.max(...rows.map((r) => r.name.length), 7);
  const head = `${'measure'.padEnd(width)}  ${['n', 'p50 ms', 'p95 ms', 'min ms', 'max ms'].map((h) => h.padStart(7)).join(' ')}`;
  const lines = rows.map((r) => `${r.name.padEnd(width)}  ${[r.n, r.p50, r.p95, r.min, r.max].map((v) => String(v).padStart(7)).join(' ')}`);
  return [head, '-'.repeat(head.length), ...lines].join('\n');
}

/**
 * Polls `probe` every `intervalMs` (first poll at once) and resolves with the milliseconds from the
 * call until the probe that first returned true completed (resolution: the interval plus one probe).
 * A probe that throws counts as false. Rejects after `timeoutMs`.
 */
export async function msUntil(what: string, probe: () => Promise<boolean>, intervalMs: number, timeoutMs = 60_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await probe().catch(() => false)) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** The 1, 5 and 15-minute load averages, two decimals. */
export function loadNow(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

/** Waits until the daemon's work queue has been empty, with nothing running, for `quietMs`. */
export async function waitIdle(daemon: DaemonProcess, quietMs = 300): Promise<void> {
  let since = performance.now();
  await until(
    'the daemon to go idle',
    async () => {
      const q = (await daemon.status()).queue;
      if ((q?.depth ?? 0) > 0 || (q?.active.length ?? 0) > 0) since = performance.now();
      return performance.now() - since >= quietMs ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 50, context: () => daemon.tail() },
  );
}
