/** A signal that aborts when any of its sources does, and the clean-up that stops it listening. */
export interface AnySignal {
  /** Aborts with the reason of the first source that aborts (at once when one already has). */
  readonly signal: AbortSignal;
  /** Stops listening to the sources (call when the guarded work is done). */
  dispose(): void;
}

/**
 * A signal that aborts when any of `sources` aborts. Use this instead of `AbortSignal.any` when a
 * source lives long (the daemon's shutdown signal, a cluster client's): in Node 20, `AbortSignal.any`
 * adds a reference to each composite signal to every source and never removes it, so a long-lived
 * source keeps one per call for as long as it lives (bench/RESULTS.md, "The 60-minute soak again":
 * 300 000 calls kept 20 MB, 379 MB when a listener stayed on the composite). Here each source only
 * holds a listener, and `dispose` removes it.
 */
export function anySignal(sources: readonly AbortSignal[]): AnySignal {
  const controller = new AbortController();
  const listeners: [AbortSignal, () => void][] = [];
  const dispose = (): void => {
    for (const [source, listener] of listeners) source.removeEventListener('abort', listener);
    listeners.length = 0;
  };
  const aborted = sources.find((s) => s.aborted);
  if (aborted) {
    controller.abort(aborted.reason);
    return { signal: controller.signal, dispose };
  }
  for (const source of sources) {
    const listener = (): void => {
      dispose();
      controller.abort(source.reason);
    };
    source.addEventListener('abort', listener, { once: true });
    listeners.push([source, listener]);
  }
  return { signal: controller.signal, dispose };
}
