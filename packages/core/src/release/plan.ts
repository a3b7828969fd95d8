import { objectKey } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import type { JournalEntry, JournalUpdate } from '../plan/journal.js';
import { journalBefore, journalView } from '../plan/journal.js';
import type { ObjectAction } from '../plan/objects.js';
import type { NamespaceItem } from '../kube/namespace-contents.js';
import type { ObjectRef } from '../kube/object.js';
import { planObjects, planRemoval } from '../plan/objects.js';
import { refKey, refOf } from '../kube/object.js';
import { inventoryName } from './inventory.js';
import type { InventoryObject, InventoryRecord, ReleaseStatus } from './state.js';
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
  /** The inventory found, when it may be used (authentic, or unchecked without a state directory). */
  observedInventory: InventoryRecord | undefined;
  /** The inventory once the plan has been carried out (undefined after an uninstall); UIDs from `uids` and the apply. */
  finalInventory: InventoryRecord | undefined;
  /** UIDs of live objects the plan keeps or removes, known before anything is written. */
  uids: Map<string, string>;
  /** Journal bookkeeping to write before acting (settled entries, pending creates, the migration rule); undefined: no journal. */
  journal?: JournalUpdate;
  /** What the operator must hear about (a distrusted inventory); reaches /status. */
  warnings: string[];
}

/** What guards a release's deletions besides its objects: the journal, namespace contents, a distrusted inventory. */
export interface ReleaseGuards {
  /** The release's journal entries on this cluster; undefined without a state directory (label-only ownership). */
  journal?: ReadonlyMap<string, JournalEntry>;
  /** Contents of every Namespace the release may delete (listNamespaceContents). */
  namespaceContents?: ReadonlyMap<string, readonly NamespaceItem[]>;
  /** Set when an inventory was found but may not be used (readInventory's warning). */
  inventoryWarning?: string;
}

/** Input of planUninstall; pure data (what observeRelease returns). */
export interface UninstallInput extends ReleaseGuards {
  /** The inventory, only when it may be used (see ObservedInventory). */
  inventory: InventoryRecord | undefined;
  live: ReadonlyMap<string, KubeObject | null>;
}

/** Input of planRelease; pure data. */
export interface ReleasePlanInput extends ReleaseGuards {
  release: string;
  namespace: string;
  desired: readonly KubeObject[];
  desiredHash: string;
  /** Prerequisite objects (the release namespace): created when absent only. */
  ensure: readonly KubeObject[];
  /** The inventory, only when it may be used (see ObservedInventory). */
  inventory: InventoryRecord | undefined;
  live: ReadonlyMap<string, KubeObject | null>;
  adopt: boolean;
  prune: boolean;
}

function union(...lists: (readonly ObjectRef[])[]): ObjectRef[] {
  return [...new Map(lists.flat().map((r) => [refKey(r), r])).values()];
}

/** What a release may have written: the journal's entries (they decide) and the usable inventory's objects. */
export function releaseRefs(inventory: InventoryRecord | undefined, journal: ReadonlyMap<string, JournalEntry> | undefined): ObjectRef[] {
  return union(
    [...(journal?.values() ?? [])].map((e) => e.ref),
    (inventory?.objects ?? []).map(plainRef),
  );
}

/** Every object a pass must read to plan this release. */
export function refsToObserve(
  desired: readonly KubeObject[],
  ensure: readonly KubeObject[],
  inventory: InventoryRecord | undefined,
  journal?: ReadonlyMap<string, JournalEntry>,
): ObjectRef[] {
  return [...ensure.map(refOf), ...desired.map(refOf), ...releaseRefs(inventory, journal)];
}

/**
 * Namespaces among what a release may delete (their contents must be listed before planning): those
 * in `refs` (what it may have written: releaseRefs) that it no longer renders.
 */
export function namespacesToInspect(desired: readonly KubeObject[], refs: readonly ObjectRef[]): string[] {
  const wanted = new Set(desired.map((o) => objectKey(o)));
  return refs.filter((r) => r.kind === 'Namespace' && !wanted.has(refKey(r))).map((r) => r.name);
}

function plainRef(o: InventoryObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: o.apiVersion, kind: o.kind, name: o.name };
  if (o.namespace !== undefined) ref.namespace = o.namespace;
  return ref;
}

function planEnsure(ensure: readonly KubeObject[], live: ReadonlyMap<string, KubeObject | null>): ObjectAction[] {
  return ensure
    .filter((o) => live.get(objectKey(o)) === null)
    .map((o) => ({ op: 'create', key: objectKey(o), ref: refOf(o), desired: o, reason: 'absent (prerequisite)' }));
}

function liveUids(live: ReadonlyMap<string, KubeObject | null>): Map<string, string> {
  const uids = new Map<string, string>();
  for (const [key, obj] of live) if (typeof obj?.metadata.uid === 'string') uids.set(key, obj.metadata.uid);
  return uids;
}

function withGuards(
  guards: ReleaseGuards,
  recorded: Map<string, string> | undefined,
): Pick<Parameters<typeof planObjects>[0], 'recorded' | 'namespaceContents'> {
  return { ...(recorded ? { recorded } : {}), ...(guards.namespaceContents ? { namespaceContents: guards.namespaceContents } : {}) };
}

/**
 * Pure: install, upgrade, repair or nothing, from what is live. With a journal, deletions are only of
 * objects it recorded (planObjects); an inventory that was found but may not be used makes the
 * release `drifted` (the inventory is rewritten) and is reported.
 */
export function planRelease(input: ReleasePlanInput): ReleasePlan {
  const view = journalView(input.journal, input.live);
  const { recorded } = view;
  const previous = releaseRefs(input.inventory, input.journal);
  const actions = planObjects({ desired: input.desired, live: input.live, previous, adopt: input.adopt, prune: input.prune, ...withGuards(input, recorded) });
  let status = releaseState(input.inventory, input.desiredHash, actions);
  if (input.inventoryWarning !== undefined && status.state !== 'unmanaged') status = { state: 'drifted', reason: input.inventoryWarning };
  const blocked = status.state === 'unmanaged';
  const plan: ReleasePlan = {
    release: input.release,
    namespace: input.namespace,
    status,
    desiredHash: input.desiredHash,
    ensure: blocked ? [] : planEnsure(input.ensure, input.live),
    actions: blocked ? actions.filter((a) => a.op === 'conflict') : actions,
    observedInventory: input.inventory,
    finalInventory: { release: input.release, hash: input.desiredHash, phase: 'applied', objects: input.desired.map(refOf) },
    uids: liveUids(input.live),
    warnings: input.inventoryWarning === undefined ? [] : [input.inventoryWarning],
  };
  if (recorded) plan.journal = journalBefore(view, plan.actions, input.live);
  return plan;
}

/**
 * Pure: remove everything the release wrote, in reverse dependency order. With a journal, that is
 * what the journal recorded (a missing inventory is not "nothing installed"); without one, what the
 * inventory lists.
 */
export function planUninstall(release: { name: string; namespace: string }, observed: UninstallInput): ReleasePlan {
  const { inventory, live, ...guards } = observed;
  const { recorded, settled } = journalView(guards.journal, live);
  const previous = releaseRefs(inventory, guards.journal);
  const actions = planRemoval(previous, live, withGuards(guards, recorded));
  const installed = inventory !== undefined || (recorded !== undefined && recorded.size > 0);
  const why =
    inventory === undefined && installed
      ? 'its descriptor was removed (no usable inventory: removing what the journal recorded)'
      : 'its descriptor was removed';
  const plan: ReleasePlan = {
    release: release.name,
    namespace: release.namespace,
    status: installed ? { state: 'removed', reason: why } : { state: 'absent', reason: 'nothing installed' },
    desiredHash: '',
    ensure: [],
    actions,
    observedInventory: inventory,
    finalInventory: undefined,
    uids: liveUids(live),
    warnings: guards.inventoryWarning === undefined ? [] : [guards.inventoryWarning],
  };
  if (recorded) plan.journal = settled;
  return plan;
}

/** The inventory object's reference for a release. */
export function inventoryRef(release: string, namespace: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: inventoryName(release) };
}
