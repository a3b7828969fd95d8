/** Per-key exponential backoff settings (client-go's ItemExponentialFailureRateLimiter, with jitter). */
export interface BackoffOptions {
  /** Delay after the first failure; default 500 ms. */
  baseMs: number;
  /** Upper bound of the delay; default 5 min. */
  maxMs: number;
  /** Fraction of the delay added at random (0..1); default 0.2, so 1 s becomes 1–1.2 s. */
  jitter: number;
}

/** Defaults: 0.5 s, 1 s, 2 s, … capped at 5 min, +0–20 %. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 5 * 60_000, jitter: 0.2 };

/**
 * Delay before retrying a key that failed `failures` times in a row (1 = first failure).
 * Pure: `random` returns a number in [0, 1).
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number): number {
  const exponent = Math.max(0, Math.min(failures - 1, 40));
  const base = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(base * (1 + options.jitter * random()));
}
