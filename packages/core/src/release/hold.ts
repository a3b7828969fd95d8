import { hostname } from 'node:os';
import type { ReleaseHold } from './state.js';

/**
 * How long a writer holds a release (its pending inventory's `hold.until`). Another writer finding a
 * live hold reports the release `locked` and writes nothing; a crashed writer's hold stops counting
 * when it lapses, or at once when its process is known to be gone (same host, pid not running).
 */
export const RELEASE_HOLD_MS = 120_000;

/**
 * How long one apply step may run: it is aborted (no new request started, those in flight cancelled)
 * this long after its hold was taken, well before the hold lapses, so a writer never writes once
 * another may have taken over. The aborted step leaves its own hold; the same writer finishes the job.
 */
export const RELEASE_APPLY_BUDGET_MS = 90_000;

/** A hold for `writer` in this process, taken at `now` (epoch ms). */
export function newHold(writer: string, now: number): ReleaseHold {
  return { writer, host: hostname(), pid: process.pid, until: now + RELEASE_HOLD_MS };
}

/**
 * Whether the process that took `hold` still runs: known only when it ran on this host (signal 0
 * probes a pid and delivers nothing); undefined otherwise (another host, no hold). The hold is only
 * read from an inventory meshd may use (authenticated with the bastion's key, or unchecked without a
 * state directory).
 */
export function holderRunning(hold: ReleaseHold | undefined): boolean | undefined {
  if (hold === undefined || hold.host !== hostname() || !Number.isSafeInteger(hold.pid) || hold.pid <= 0) return undefined;
  try {
    process.kill(hold.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
