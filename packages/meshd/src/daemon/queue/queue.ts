import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../process/clock.js';
import { manyListenerAbortController } from '../process/abort.js';

/**
 * What one reconcile hands back (controller-runtime's `(Result, error)` pair): what it found
 * (`report`, handed on untouched in the ReconcileRecord), and what the queue does with the key next.
 * Nothing else: the queue alone decides retries, delays and forgetting.
 */
export interface ReconcileResult<R = unknown> {
  report?: R;
  /** Run the key again after this long (a success that wants a look later). */
  requeueAfterMs?: number;
  /**
   * The key failed: retried with per-key backoff, or parked until it is added again when the error
   * is terminal (a MeshdError whose code's retry class is `terminal`). A throw is the same error
   * without a report.
   */
  error?: unknown;
  /** The key names nothing any more (a cluster that left): no resync, no pending retry. */
  forget?: boolean;
}

/**
 * The reconcile contract: a key in, a result out (or a throw). The reconciler owns no queue state
 * and never calls the queue back; the queue owns ordering, merging, retries, delays and forgetting.
 */
export type Reconciler<R = unknown> = (key: string, signal: AbortSignal) => Promise<ReconcileResult<R> | void>;

/** How one reconcile ended. */
export type ReconcileOutcome = 'success' | 'requeue' | 'error' | 'terminal' | 'aborted';

/** One finished reconcile: the one place its owner learns how it ended and what it reported. */
export interface ReconcileRecord<R = unknown> {
  key: string;
  /** The reconciler's report, when it returned one. */
  report?: R;
  outcome: ReconcileOutcome;
  startedAt: number;
  durationMs: number;
  error?: unknown;
  /** Failures in a row for this key (0 after a success). */
  failures: number;
}

/** Options of WorkQueue. */
export interface WorkQueueOptions<R = unknown> {
  reconcile: Reconciler<R>;
  /** Keys reconciled at the same time (never the same key twice); default 4. */
  concurrency?: number;
  backoff?: Partial<BackoffOptions>;
  /** Every known key is enqueued this often; default 10 min; 0 disables. */
  resyncMs?: number;
  clock?: Clock;
  /** Source of jitter, [0, 1); default Math.random. */
  random?: () => number;
  onResult?: (record: ReconcileRecord<R>) => void;
  /** Called by each resync before it enqueues the keys (the daemon re-reads the cluster directory then: the safety net for a missed event). */
  onResync?: () => void;
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
export class WorkQueue<R = unknown> {
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

  constructor(private readonly options: WorkQueueOptions<R>) {
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

  /** Enqueues a key after `ms` (a requeue or a backoff); an earlier pending delayed add of the same key wins. */
  private addAfter(key: string, ms: number): void {
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
  private addRateLimited(key: string): void {
    const failures = (this.failureCounts.get(key) ?? 0) + 1;
    this.failureCounts.set(key, failures);
    this.addAfter(key, backoffDelay(failures, this.backoff, this.options.random ?? Math.random));
  }

  /** Resets a key's backoff (after a success). */
  private forget(key: string): void {
    this.failureCounts.delete(key);
  }

  /** Stops tracking a key (its reconcile said `forget`): no resync, no pending delayed add, no backoff. A waiting add still runs. */
  private untrack(key: string): void {
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
    this.options.onResync?.();
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

  /** Runs the reconciler; a throw is an error result without a report. */
  private async run(key: string): Promise<ReconcileResult<R>> {
    try {
      return (await this.options.reconcile(key, this.abort.signal)) ?? {};
    } catch (err) {
      return { error: err ?? new Error('reconcile threw nothing') };
    }
  }

  private async process(key: string): Promise<void> {
    const startedAt = this.clock.now();
    const result = await this.run(key);
    const outcome = result.error === undefined ? this.succeeded(key, result) : this.failed(key, result.error);
    if (result.forget === true && outcome !== 'aborted') this.untrack(key);
    this.processing.delete(key);
    if (this.dirty.has(key)) this.waiting.push(key);
    const record: ReconcileRecord<R> = { key, outcome, startedAt, durationMs: this.clock.now() - startedAt, failures: this.failures(key) };
    if (result.error !== undefined) record.error = result.error;
    if (result.report !== undefined) record.report = result.report;
    try {
      this.options.onResult?.(record);
    } finally {
      this.pump();
    }
  }

  private succeeded(key: string, result: ReconcileResult<R>): ReconcileOutcome {
    this.forget(key);
    this.parked.delete(key);
    const after = result.requeueAfterMs;
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
