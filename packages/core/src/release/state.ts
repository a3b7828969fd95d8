import type { ObjectRef } from '../kube/object.js';

/**
 * The fixed set of states a release can be observed in (helm-controller's shape). The state is
 * chosen from what a pass observed (choose.ts `chooseReleaseState`), then NEXT_STEP gives the one
 * action the engine carries out; after it, the engine observes again and chooses again.
 *
 * - `absent`: nothing of the release is on the cluster, and it is wanted.
 * - `in-sync`: what is live is what is wanted (for a removal: nothing was installed).
 * - `out-of-sync`: the chart or values changed, or objects exist without an inventory.
 * - `drifted`: the same revision, but live objects differ (or the inventory cannot be believed).
 * - `unmanaged`: a same-named object is not meshd's (adopt is off): reported, nothing written.
 * - `failed`: a pass stopped mid-way (its inventory is still `applying`/`uninstalling`, its writer
 *   gone): the next pass finishes the job.
 * - `locked`: another writer holds the release (a pending inventory whose hold is live; for the
 *   tiller backend, a PENDING_* revision younger than tiller.timeout): nothing written, retried after backoff.
 * - `removed`: the release is installed and no longer wanted: uninstall.
 */
export type ReleaseState = 'absent' | 'in-sync' | 'out-of-sync' | 'drifted' | 'unmanaged' | 'failed' | 'locked' | 'removed';

/** The action one state leads to. `none`, `report` and `wait` write nothing. */
export type ReleaseAction = 'install' | 'none' | 'upgrade' | 'repair' | 'report' | 'retry' | 'wait' | 'uninstall';

/** The state → action table the release engine executes (engine.ts): exactly one action per state. */
export const NEXT_STEP: Readonly<Record<ReleaseState, ReleaseAction>> = {
  absent: 'install',
  'in-sync': 'none',
  'out-of-sync': 'upgrade',
  drifted: 'repair',
  unmanaged: 'report',
  failed: 'retry',
  locked: 'wait',
  removed: 'uninstall',
};

/** Actions that write to the cluster: the others only report. */
const WRITING: ReadonlySet<ReleaseAction> = new Set<ReleaseAction>(['install', 'upgrade', 'repair', 'retry', 'uninstall']);

/** Pure: true when carrying out `action` writes to the cluster. */
export function actionWrites(action: ReleaseAction): boolean {
  return WRITING.has(action);
}

/**
 * Who is writing a release right now, recorded in its pending inventory (`applying`/`uninstalling`)
 * before the first write and dropped by the final one. `writer` is one release engine (one loaded
 * plugin set in one process), `host` and `pid` the process it runs in, `until` (epoch ms) when the
 * hold lapses: a writer never writes after it (its apply is aborted first, RELEASE_APPLY_BUDGET_MS).
 */
export interface ReleaseHold {
  writer: string;
  host: string;
  pid: number;
  until: number;
}

/** What a release applied, recorded in the remote cluster itself (never on the bastion). */
export interface InventoryRecord {
  release: string;
  /** Hash of everything rendered for this release (chart digest + values → objects). */
  hash: string;
  /** `applying` while a pass is writing; a crash leaves it there and the next pass finishes the job. */
  phase: 'applying' | 'applied' | 'uninstalling';
  /** Every object the release may have written (during `applying`: old ∪ new), with its UID once known. */
  objects: InventoryObject[];
  /** Set while a pass writes (pending phases only): who, and until when. */
  hold?: ReleaseHold;
}

/** One object an inventory lists: its reference and, once meshd knows it, the UID it created. */
export interface InventoryObject extends ObjectRef {
  uid?: string;
}

/** The observed state with a reason a user can read. */
export interface ReleaseStatus {
  state: ReleaseState;
  reason: string;
}
