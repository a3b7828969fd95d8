/** A timer handle (what setTimeout returned). */
export type TimerHandle = ReturnType<typeof setTimeout>;

/**
 * Time and timers, injected so the queue, debouncers and electors can be driven by fake timers in
 * tests. Whoever creates a timer owns it and clears it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock. It looks the globals up at call time (not import time), so vitest's fake timers
 * installed after import still apply.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle),
};
