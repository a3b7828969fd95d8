// The soak in `npm test`: 3 minutes of churn (file edits and editor saves, Pilot moves, istio.default
// rotations, drift on a remote, partitions) against the real `meshd run` through the fault proxy
// (bench/soak). Every change must converge, nothing may be deleted that the soak did not delete
// itself, and the daemon's open file descriptors must stay flat. Longer runs: `npm run soak`.
import { expect, it } from 'vitest';
import { runSoak } from '../bench/soak/soak.js';

/** File descriptors the daemon may hold more at the end than after its first convergence (idle keep-alive sockets come and go). */
const FD_TOLERANCE = 12;

it('3 minutes of churn and partitions: every change converges, no unexpected delete, file descriptors flat', async () => {
  const run = await runSoak({ minutes: 3, log: (line) => console.log(line) });
  console.log(JSON.stringify(run.result));
  expect(Object.keys(run.result).sort()).toEqual([
    'changes',
    'code_space_slope_mb_per_hour',
    'converged',
    'fds_end',
    'fds_start',
    'heap_used_end_mb',
    'heap_used_slope_mb_per_hour',
    'heap_used_start_mb',
    'minutes',
    'outside_heap_slope_mb_per_hour',
    'p50_converge_ms',
    'p95_converge_ms',
    'rss_end_mb',
    'rss_slope_after_warmup_mb_per_hour',
    'rss_slope_mb_per_hour',
    'rss_start_mb',
    'unexpected_deletes',
  ]);
  for (const value of Object.values(run.result)) expect(Number.isFinite(value)).toBe(true);
  expect(run.result.minutes).toBeGreaterThanOrEqual(3);
  // The daemon's /metrics gave V8's heap in every sample (the soak tells heap growth from the rest).
  expect(run.samples.every((s) => s.heapUsedMb !== undefined && s.heapUsedMb > 0 && s.codeMb !== undefined && s.codeMb > 0)).toBe(true);
  expect(run.result.heap_used_start_mb).toBeGreaterThan(0);
  expect(run.result.changes).toBeGreaterThanOrEqual(12);
  expect(run.failures).toEqual([]);
  expect(run.result.converged).toBe(run.result.changes);
  expect(run.result.unexpected_deletes).toBe(0);
  expect(run.result.fds_end - run.result.fds_start).toBeLessThanOrEqual(FD_TOLERANCE);
  expect(run.result.p95_converge_ms).toBeGreaterThanOrEqual(run.result.p50_converge_ms);
}, 420_000);
