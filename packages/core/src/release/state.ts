import type { ObjectAction } from '../plan/objects.js';
import type { ObjectRef } from '../kube/object.js';
import { isWrite } from '../plan/objects.js';

/**
 * The fixed set of states a release can be observed in (as helm-controller does). Each maps to
 * exactly one next step (see NEXT_STEP); backends reduce what they observe to one of these.
 */
export type ReleaseState = 'absent' | 'in-sync' | 'out-of-sync' | 'drifted' | 'unmanaged' | 'failed' | 'removed';

/** The one step each state leads to. */
export const NEXT_STEP: Record<ReleaseState, 'install' | 'none' | 'upgrade' | 'repair' | 'report' | 'retry' | 'uninstall'> = {
  absent: 'install',
  'in-sync': 'none',
  'out-of-sync': 'upgrade',
  drifted: 'repair',
  unmanaged: 'report',
  failed: 'retry',
  removed: 'uninstall',
};

/** What a release applied, recorded in the remote cluster itself (never on the bastion). */
export interface InventoryRecord {
  release: string;
  /** Hash of everything rendered for this release (chart digest + values → objects). */
  hash: string;
  /** `applying` while a pass is writing; a crash leaves it there and the next pass finishes the job. */
  phase: 'applying' | 'applied' | 'uninstalling';
  /** Every object the release may have written (during `applying`: old ∪ new), with its UID once known. */
  objects: InventoryObject[];
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

/** Pure: reduces inventory + planned object steps to one state. */
export function releaseState(inventory: InventoryRecord | undefined, desiredHash: string, actions: readonly ObjectAction[]): ReleaseStatus {
  const conflicts = actions.filter((a) => a.op === 'conflict');
  if (conflicts.length > 0) return { state: 'unmanaged', reason: conflicts.map((a) => a.reason).join('; ') };
  if (!inventory) {
    const allAbsent = actions.every((a) => a.op === 'create');
    return allAbsent
      ? { state: 'absent', reason: 'not installed' }
      : { state: 'out-of-sync', reason: 'objects exist but no inventory was found (it is rewritten from the journal)' };
  }
  if (inventory.phase !== 'applied') return { state: 'failed', reason: `a previous pass stopped while ${inventory.phase}` };
  if (inventory.hash !== desiredHash) return { state: 'out-of-sync', reason: 'chart or values changed' };
  const writes = actions.filter(isWrite);
  if (writes.length > 0)
    return {
      state: 'drifted',
      reason: `${writes.length} object(s) differ from what was applied: ${writes.map((a) => a.ref.kind + '/' + a.ref.name).join(', ')}`,
    };
  return { state: 'in-sync', reason: 'every object matches' };
}
