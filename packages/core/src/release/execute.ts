import type { ClusterClient } from '../cluster/client.js';
import { applyObject, deleteObject } from '../kube/io.js';
import { executeActions } from '../kube/execute-actions.js';
import { MeshdError } from '../errors.js';
import type { ObjectRef } from '../plan/objects.js';
import { refKey } from '../plan/objects.js';
import { inventoryObject } from './inventory.js';
import type { ReleasePlan } from './plan.js';
import { inventoryRef } from './plan.js';

function union(a: readonly ObjectRef[], b: readonly ObjectRef[]): ObjectRef[] {
  return [...new Map([...a, ...b].map((r) => [refKey(r), r])).values()];
}

/** True when carrying out the plan would write anything. */
export function releaseNeedsWrites(plan: ReleasePlan): boolean {
  if (plan.status.state === 'in-sync' || plan.status.state === 'unmanaged') return false;
  // An uninstall of something never installed has nothing to do.
  return !(plan.status.state === 'absent' && !plan.finalInventory);
}

/**
 * Carries out a release plan, crash-safe: the inventory is first written as `applying` with every
 * object old or new, then objects are applied and pruned, then the inventory records the result.
 * A kill -9 anywhere leaves an inventory from which the next pass finishes the job.
 * Returns the number of write requests.
 */
export async function executeReleasePlan(client: ClusterClient, plan: ReleasePlan, signal?: AbortSignal): Promise<number> {
  if (plan.status.state === 'unmanaged') {
    throw new MeshdError('MESHD_ERR_NOT_OWNED', `${client.name}: release ${plan.release}: ${plan.status.reason}`, { terminal: true });
  }
  if (!releaseNeedsWrites(plan)) return 0;
  let writes = (await executeActions(client, plan.ensure, signal)).writes;
  const previous = plan.observedInventory?.objects ?? [];
  const final = plan.finalInventory;
  const phase = final ? 'applying' : 'uninstalling';
  const objects = union(previous, final?.objects ?? []);
  // Record every object this pass may create before creating it, so a crash never orphans one. When
  // the inventory already lists them all (an upgrade of the same objects, a repair), skip the write.
  if (!plan.observedInventory || objects.length > previous.length || !final) {
    const pending = { release: plan.release, hash: plan.desiredHash || (plan.observedInventory?.hash ?? ''), phase, objects } as const;
    await applyObject(client, inventoryObject(plan.namespace, pending));
    writes += 1;
  }
  writes += (await executeActions(client, plan.actions, signal)).writes;
  if (final) {
    await applyObject(client, inventoryObject(plan.namespace, final));
  } else {
    await deleteObject(client, inventoryRef(plan.release, plan.namespace));
  }
  return writes + 1;
}
