import { createHash } from 'node:crypto';

/**
 * A bounded memo of a pure function of text: the result for the same `(scope, text)` is computed
 * once and kept, keyed by the text's SHA-256 (the text itself is not held), the oldest entry
 * dropped past `limit`. A one-shot `meshd apply` reads each kubeconfig twice (the directory and the
 * mesh remembered in the state directory) and renders the same chart for every remote; the daemon
 * sees the same texts every pass. Callers must not mutate what `get` returns (copy it first).
 */
export class TextMemo<T> {
  private readonly entries = new Map<string, T>();

  /** `limit`: how many results are kept (at least 1). */
  constructor(private readonly limit: number) {}

  /** The memoised `compute()` for this scope and text; `compute` runs only when it is not known. */
  get(scope: string, text: string, compute: () => T): T {
    const key = `${scope}\u0000${createHash('sha256').update(text).digest('base64')}`;
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = compute();
    if (this.entries.size >= Math.max(1, this.limit)) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
    return value;
  }

  /** How many results are kept now. */
  get size(): number {
    return this.entries.size;
  }
}
