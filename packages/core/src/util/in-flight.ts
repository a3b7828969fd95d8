/** One read running for an owner: when it started (performance.now()) and its answer to come. */
interface RunningRead<T> {
  startedAt: number;
  answer: Promise<T>;
}

/** Waits for `promise`, or rejects with `signal`'s reason as soon as it aborts (the promise runs on). */
function waitOrAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** How a caller asks for a read it may share. */
export interface SharedReadRequest {
  /**
   * The earliest start of a read this caller may join (performance.now() when its work began,
   * after the event that asked for it): an answer to a read started before is too old for it.
   * Undefined: it joins nothing and starts its own read.
   */
  since?: number | undefined;
  /** Stops this caller's wait only; the read goes on for the others. */
  signal?: AbortSignal | undefined;
}

/**
 * Shares reads in flight, like singleflight: a caller asking an owner (a cluster client) for the same
 * thing joins a read of it that is still running and started no earlier than its `since`, so its
 * answer is as fresh as one the caller would have started itself; otherwise a new read starts.
 * Nothing is kept once a read settles (this is not a cache), and owners are held weakly. The daemon's
 * keys start together on a Pilot move and each probed the control plane alone. A read must not depend
 * on who asks: it is started without any caller's signal (the client's own timeout bounds it).
 */
export class InFlightReads<T> {
  private readonly running = new WeakMap<object, Map<string, RunningRead<T>>>();

  /** The answer of a shared read of `what` from `owner`; `read` starts a new one when none can be joined. */
  get(owner: object, what: string, request: SharedReadRequest, read: () => Promise<T>): Promise<T> {
    const reads = this.running.get(owner) ?? new Map<string, RunningRead<T>>();
    this.running.set(owner, reads);
    const current = reads.get(what);
    if (current !== undefined && request.since !== undefined && current.startedAt >= request.since) return waitOrAbort(current.answer, request.signal);
    const started: RunningRead<T> = { startedAt: performance.now(), answer: read() };
    reads.set(what, started);
    const forget = (): void => {
      if (reads.get(what) === started) reads.delete(what);
    };
    started.answer.then(forget, forget);
    return waitOrAbort(started.answer, request.signal);
  }
}
