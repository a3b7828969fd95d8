import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { manyListenerAbortController } from './abort.js';

/** What a reconcile asks of the queue: nothing (done), or to run the key again after a delay. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/**
 * The reconcile contract (controller-runtime's): a key in, a result out. A thrown error is retried
 * with per-key backoff, unless it is terminal (`terminal: true`, e.g. a MeshdError for invalid
 * input): then it is reported and not retried until the key is added again. The reconciler owns no
 * queue state; the queue owns ordering, merging and retries.
 */
export type Reconciler = (key: string, signal: AbortSignal) => Promise<ReconcileResult | void>;

/** How one reconcile ended. */
export type ReconcileOutcome = 'success' | 'requeue' | 'error' | 'terminal' | 'aborted';

/** One finished reconcile, for metrics and logs. */
export interface ReconcileRecord {
  key: string;
  outcome: ReconcileOutcome;
  startedAt: number;
  durationMs: number;
  error?: unknown;
  /** Failures in a row for this key (0 after a success). */
  failures: number;
}

/** Options of WorkQueue. */
export interface WorkQueueOptions {
  reconcile: Reconciler;
  /** Keys reconciled at the same time (never the same key twice); default 4. */
  concurrency?: number;
  backoff?: Partial<BackoffOptions>;
  /** Every known key is enqueued this often; default 10 min; 0 disables. */
  resyncMs?: number;
  clock?: Clock;
  /** Source of jitter, [0, 1); default Math.random. */
  random?: () => number;
  onResult?: (record: ReconcileRecord) => void;
}

/** True for errors the queue must not retry (MeshdError with terminal: true, or any error marked so). */
export function isTerminalError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { terminal?: unknown }).terminal === true;
}

/**
 * A keyed work queue like client-go's, with its workers: a waiting key is never added twice, a key
 * being processed and added again runs once more afterwards, one worker per key, a global
 * concurrency bound, per-key exponential backoff with jitter, delayed adds, periodic resync, and a
 * shutdown that lets the reconciles in flight finish. It owns all of that state; callers only add keys.
 */
export class WorkQueue {
  private readonly waiting: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly known = new Set<string>();
  private readonly parked = new Set<string>();
  private readonly failureCounts = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: TimerHandle }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = manyListenerAbortController();
  private readonly clock: Clock;
  private readonly backoff: BackoffOptions;
  private readonly concurrency: number;
  private resyncTimer: TimerHandle | undefined;
  private resyncMs: number;
  private started = false;
  private idleWaiters: (() => void)[] = [];
  private paused = true;
  private stopping = false;

  constructor(private readonly options: WorkQueueOptions) {
    this.clock = options.clock ?? systemClock;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.resyncMs = options.resyncMs ?? 10 * 60_000;
  }

  /** Starts the workers and the resync timer. Keys added before start wait until then. */
  start(): void {
    if (this.stopping || this.started) return;
    this.started = true;
    this.armResync();
    this.resume();
  }

  /** Changes the resync period (a config reload); the next resync is `ms` from now. 0 disables. */
  setResyncMs(ms: number): void {
    this.resyncMs = ms;
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    if (this.started) this.armResync();
  }

  /** Stops picking new keys (reconciles in flight go on); keys added meanwhile wait, merged. */
  pause(): void {
    this.paused = true;
  }

  /** Picks keys again after pause(). */
  resume(): void {
    if (this.stopping) return;
    this.paused = false;
    this.pump();
  }

  /** Enqueues a key now. Merged with the same key already waiting; re-run once if it is in flight. */
  add(key: string): void {
    if (this.stopping) return;
    this.known.add(key);
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (!this.processing.has(key)) this.waiting.push(key);
    this.pump();
  }

  /** Enqueues a key after `ms`; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) return this.add(key);
    this.known.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Enqueues a key after its backoff delay and counts one more failure for it. */
  addRateLimited(key: string): void {
    const failures = (this.failureCounts.get(key) ?? 0) + 1;
    this.failureCounts.set(key, failures);
    this.addAfter(key, backoffDelay(failures, this.backoff, this.options.random ?? Math.random));
  }

  /** Resets a key's backoff (after a success). */
  forget(key: string): void {
    this.failureCounts.delete(key);
  }

  /** Stops tracking a key: no resync, no pending delayed add, no backoff. A waiting add still runs. */
  remove(key: string): void {
    this.known.delete(key);
    this.parked.delete(key);
    this.forget(key);
    const pending = this.delayed.get(key);
    if (pending) this.clock.clearTimeout(pending.handle);
    this.delayed.delete(key);
  }

  /** Failures in a row of a key. */
  failures(key: string): number {
    return this.failureCounts.get(key) ?? 0;
  }

  /** Keys waiting to run (not counting those in flight or delayed). */
  depth(): number {
    return this.waiting.length;
  }

  /** Keys being reconciled right now. */
  active(): string[] {
    return [...this.processing];
  }

  /** Every key the resync enqueues, sorted. */
  knownKeys(): string[] {
    return [...this.known].sort();
  }

  /** True when the key's last reconcile failed terminally (it waits for a new add). */
  isParked(key: string): boolean {
    return this.parked.has(key);
  }

  /** Enqueues every known key except terminally failed ones (the safety net). */
  resync(): void {
    for (const key of this.knownKeys()) if (!this.parked.has(key)) this.add(key);
  }

  /** Resolves once nothing waits and nothing runs (delayed adds may still be pending). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops accepting keys, drops the waiting ones and every timer, and lets the reconciles in flight
   * finish; after `graceMs` their signal is aborted. Resolves true when they finished in time.
   */
  async shutdown(graceMs: number): Promise<boolean> {
    this.stopping = true;
    this.paused = true;
    this.waiting.length = 0;
    this.dirty.clear();
    if (this.resyncTimer !== undefined) this.clock.clearTimeout(this.resyncTimer);
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    if (this.inFlight.size === 0) return true;
    let timer: TimerHandle | undefined;
    const expired = new Promise<false>((resolve) => (timer = this.clock.setTimeout(() => resolve(false), graceMs)));
    const finished = await Promise.race([Promise.all(this.inFlight).then(() => true as const), expired]);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    if (!finished) this.abort.abort(new Error('meshd is shutting down'));
    return finished;
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.processing.size === 0;
  }

  private armResync(): void {
    const every = this.resyncMs;
    if (every <= 0 || this.stopping) return;
    this.resyncTimer = this.clock.setTimeout(() => {
      this.resync();
      this.armResync();
    }, every);
  }

  private pump(): void {
    while (!this.paused && this.processing.size < this.concurrency) {
      const key = this.waiting.shift();
      if (key === undefined) break;
      this.dirty.delete(key);
      this.processing.add(key);
      const run = this.process(key);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }
    if (this.isIdle()) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async process(key: string): Promise<void> {
    const startedAt = this.clock.now();
    let outcome: ReconcileOutcome;
    let error: unknown;
    try {
      const result = await this.options.reconcile(key, this.abort.signal);
      outcome = this.succeeded(key, result ?? undefined);
    } catch (err) {
      error = err;
      outcome = this.failed(key, err);
    }
    this.processing.delete(key);
    if (this.dirty.has(key)) this.waiting.push(key);
    const record: ReconcileRecord = { key, outcome, startedAt, durationMs: this.clock.now() - startedAt, failures: this.failures(key) };
    if (error !== undefined) record.error = error;
    try {
      this.options.onResult?.(record);
    } finally {
      this.pump();
    }
  }

  private succeeded(key: string, result: ReconcileResult | undefined): ReconcileOutcome {
    this.forget(key);
    this.parked.delete(key);
    const after = result?.requeueAfterMs;
    if (after === undefined || after <= 0) return 'success';
    this.addAfter(key, after);
    return 'requeue';
  }

  private failed(key: string, err: unknown): ReconcileOutcome {
    if (this.stopping) return 'aborted';
    if (isTerminalError(err)) {
      this.forget(key);
      this.parked.add(key);
      return 'terminal';
    }
    this.parked.delete(key);
    this.addRateLimited(key);
    return 'error';
  }
}
