import { objectKey } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import type { ObjectAction, ObjectRef } from '../plan/objects.js';
import { planObjects, planRemoval, refOf } from '../plan/objects.js';
import { inventoryName } from './inventory.js';
import type { InventoryRecord, ReleaseStatus } from './state.js';
import { releaseState } from './state.js';

/** A release's plan on one cluster: its observed state and the object steps that follow from it. */
export interface ReleasePlan {
  release: string;
  namespace: string;
  status: ReleaseStatus;
  desiredHash: string;
  /** Namespaces and other prerequisites to create when absent (never updated, never deleted). */
  ensure: ObjectAction[];
  actions: ObjectAction[];
  observedInventory: InventoryRecord | undefined;
  /** The inventory once the plan has been carried out (undefined after an uninstall). */
  finalInventory: InventoryRecord | undefined;
}

/** Input of planRelease; pure data. */
export interface ReleasePlanInput {
  release: string;
  namespace: string;
  desired: readonly KubeObject[];
  desiredHash: string;
  /** Prerequisite objects (the release namespace): created when absent only. */
  ensure: readonly KubeObject[];
  inventory: InventoryRecord | undefined;
  live: ReadonlyMap<string, KubeObject | null>;
  adopt: boolean;
  prune: boolean;
}

/** Every object a pass must read to plan this release. */
export function refsToObserve(desired: readonly KubeObject[], ensure: readonly KubeObject[], inventory: InventoryRecord | undefined): ObjectRef[] {
  return [...ensure.map(refOf), ...desired.map(refOf), ...(inventory?.objects ?? [])];
}

function planEnsure(ensure: readonly KubeObject[], live: ReadonlyMap<string, KubeObject | null>): ObjectAction[] {
  return ensure
    .filter((o) => live.get(objectKey(o)) === null)
    .map((o) => ({ op: 'create', key: objectKey(o), ref: refOf(o), desired: o, reason: 'absent (prerequisite)' }));
}

/** Pure: install, upgrade, repair or nothing, from what is live. */
export function planRelease(input: ReleasePlanInput): ReleasePlan {
  const actions = planObjects({ desired: input.desired, live: input.live, previous: input.inventory?.objects ?? [], adopt: input.adopt, prune: input.prune });
  const status = releaseState(input.inventory, input.desiredHash, actions);
  const blocked = status.state === 'unmanaged';
  return {
    release: input.release,
    namespace: input.namespace,
    status,
    desiredHash: input.desiredHash,
    ensure: blocked ? [] : planEnsure(input.ensure, input.live),
    actions: blocked ? actions.filter((a) => a.op === 'conflict') : actions,
    observedInventory: input.inventory,
    finalInventory: { release: input.release, hash: input.desiredHash, phase: 'applied', objects: input.desired.map(refOf) },
  };
}

/** Pure: remove everything the inventory lists, in reverse dependency order. */
export function planUninstall(release: string, namespace: string, inventory: InventoryRecord | undefined, live: ReadonlyMap<string, KubeObject | null>): ReleasePlan {
  const actions = planRemoval(inventory?.objects ?? [], live);
  return {
    release,
    namespace,
    status: inventory ? { state: 'removed', reason: 'its descriptor was removed' } : { state: 'absent', reason: 'nothing installed' },
    desiredHash: '',
    ensure: [],
    actions,
    observedInventory: inventory,
    finalInventory: undefined,
  };
}

/** The inventory object's reference for a release. */
export function inventoryRef(release: string, namespace: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: inventoryName(release) };
}
