import type { CallOptions } from '../cluster/apis.js';

/**
 * Per-call options that make one typed Kubernetes request (`client.core`, `apps`, `version`) also
 * honour `signal`, on top of the timeout and shutdown signal the ClusterClient already sets.
 * Returns undefined without a signal (client defaults).
 */
export function abortableCall(signal: AbortSignal | undefined): CallOptions | undefined {
  return signal ? { signal } : undefined;
}
