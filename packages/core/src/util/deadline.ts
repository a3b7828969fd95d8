/** An AbortSignal with a time limit, and the clean-up that ends it early. */
export interface Deadline {
  /** Aborts with a `TimeoutError` DOMException after the time limit, or with the parent's reason. */
  readonly signal: AbortSignal;
  /** Clears the timer and stops listening to the parent (call when the guarded work is done). */
  dispose(): void;
}

/**
 * A signal that aborts after `ms` or when `parent` aborts, whichever comes first. Use this instead
 * of `AbortSignal.any([AbortSignal.timeout(ms), parent])`: in Node 20 a timeout signal that only a
 * composite signal refers to can be garbage-collected before it fires (nodejs/node issue 57736), and
 * the composite then never aborts, so a request to a host that accepts and never answers waits
 * forever. Here the timer's callback holds the controller strongly until it fires or is disposed.
 * The timer is unref'd: it never keeps the process alive on its own.
 */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onParentAbort = (): void => controller.abort(parent?.reason);
  const timer = setTimeout(() => controller.abort(new DOMException(`The operation was aborted due to timeout`, 'TimeoutError')), ms);
  timer.unref();
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
