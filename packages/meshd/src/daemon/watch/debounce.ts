import { systemClock, type Clock, type TimerHandle } from '../process/clock.js';

/** Options of a CollectingDebouncer. */
export interface DebounceOptions {
  /** Quiet time after the last item before the batch is flushed; default 300 ms. */
  quietMs?: number;
  /** A batch is flushed at the latest this long after its first item, even if items keep coming; default 2 s. */
  maxWaitMs?: number;
  clock?: Clock;
}

/**
 * Collects items (file names) and hands them over as one batch once they stop coming, so a burst
 * of events (an editor's temp file and rename, 50 rapid writes) becomes one call. The debouncer owns
 * its timer; the callback owns the batch it receives.
 */
export class CollectingDebouncer<T> {
  private pending = new Set<T>();
  private firstAt: number | undefined;
  private timer: TimerHandle | undefined;
  private readonly clock: Clock;
  private readonly quietMs: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly flushTo: (batch: T[]) => void,
    options: DebounceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.quietMs = options.quietMs ?? 300;
    this.maxWaitMs = Math.max(this.quietMs, options.maxWaitMs ?? 2000);
  }

  /** Adds an item to the current batch and (re)starts the quiet timer. */
  push(item: T): void {
    const now = this.clock.now();
    this.pending.add(item);
    this.firstAt ??= now;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    const wait = Math.min(this.quietMs, this.firstAt + this.maxWaitMs - now);
    this.timer = this.clock.setTimeout(() => this.flush(), Math.max(0, wait));
  }

  /** Hands over the current batch now, if any. */
  flush(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.firstAt = undefined;
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending = new Set();
    this.flushTo(batch);
  }

  /** Drops the current batch and the timer. */
  cancel(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.firstAt = undefined;
    this.pending.clear();
  }
}
