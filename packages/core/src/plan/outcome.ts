import type { KubeObject } from '../kube/object.js';
/**
 * What executed actions did to which objects, filled in as each action finishes (so a run that fails
 * halfway still tells what it created). The caller records it in the journal; the executor only reports.
 */
export interface ExecutionOutcome {
  /** Object key → UID the API server returned, for every object created, updated or re-created. */
  applied: Map<string, string>;
  /** Keys of objects deleted (or found already gone). */
  deleted: Set<string>;
  /** Keys of actions that failed or were not started because what they need failed. */
  failed: Set<string>;
  /** Object key → the object as the API server returned it from the write (kept only when the caller asks: given). */
  live?: Map<string, KubeObject>;
}

/** An empty outcome to pass to executeActions (apply/). */
export function emptyOutcome(): ExecutionOutcome {
  return { applied: new Map(), deleted: new Set(), failed: new Set() };
}
