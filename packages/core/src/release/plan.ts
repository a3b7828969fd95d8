import { objectKey, refKey, refOf } from '../kube/object.js';
import type { KubeObject, ObjectRef } from '../kube/object.js';
import type { JournalEntry, JournalUpdate } from '../plan/journal.js';
import { journalBefore, journalView } from '../plan/journal.js';
import type { ObjectAction } from '../plan/objects.js';
import { planRemoval } from '../plan/objects.js';
import { chooseReleaseState, compareRelease, releaseRefs } from './choose.js';
import type { ReleaseDesire, ReleaseObservation } from './choose.js';
import { inventoryName } from './inventory.js';
import { actionWrites, NEXT_STEP } from './state.js';
import type { InventoryRecord, ReleaseAction, ReleaseStatus } from './state.js';

/** A release's plan on one cluster: the state chosen from what was observed, its action, and the object steps of that action. */
export interface ReleasePlan {
  release: string;
  namespace: string;
  status: ReleaseStatus;
  /** The one action the state leads to (NEXT_STEP); only `install`, `upgrade`, `repair`, `retry` and `uninstall` write. */
  action: ReleaseAction;
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

/** Input of planUninstall; pure data (what observeRelease returns). */
export type UninstallInput = ReleaseObservation;

/** Input of planRelease; pure data. */
export interface ReleasePlanInput extends ReleaseObservation {
  release: string;
  namespace: string;
  desired: readonly KubeObject[];
  desiredHash: string;
  /** Prerequisite objects (the release namespace): created when absent only. */
  ensure: readonly KubeObject[];
  adopt: boolean;
  prune: boolean;
  /** This engine's writer id: its own hold never locks it out (ReleaseDesire.writer). */
  writer?: string;
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

/** Pure: the object steps an action carries (or shows): none while locked, the conflicts alone when reporting, else every step. */
function stepsOf(action: ReleaseAction, compared: ObjectAction[]): ObjectAction[] {
  if (action === 'wait') return [];
  if (action === 'report') return compared.filter((a) => a.op === 'conflict');
  return compared;
}

/** The plan of one action, with what every action shares. */
function planOf(action: ReleaseAction, parts: Omit<ReleasePlan, 'action' | 'uids' | 'warnings'>, observed: ReleaseObservation): ReleasePlan {
  const plan: ReleasePlan = {
    ...parts,
    action,
    uids: liveUids(observed.live),
    warnings: observed.inventoryWarning === undefined ? [] : [observed.inventoryWarning],
  };
  if (plan.journal === undefined) delete plan.journal;
  return plan;
}

/**
 * Pure: chooses the release's state from what was observed (chooseReleaseState), looks up its one
 * action (NEXT_STEP) and plans that action's object steps: install, upgrade, repair and retry apply
 * every step (create, update, adopt, prune); `none` writes nothing (the journal's bookkeeping only);
 * `report` shows the conflicts; `wait` (locked) plans nothing at all. With a journal, deletions are
 * only of objects it recorded (planObjects).
 */
export function planRelease(input: ReleasePlanInput): ReleasePlan {
  const desire: ReleaseDesire = { objects: input.desired, hash: input.desiredHash, adopt: input.adopt, prune: input.prune, writer: input.writer };
  const compared = compareRelease(desire, input);
  const status = chooseReleaseState(desire, input, compared);
  const action = NEXT_STEP[status.state];
  const actions = stepsOf(action, compared);
  const view = journalView(input.journal, input.live);
  const parts = {
    release: input.release,
    namespace: input.namespace,
    status,
    desiredHash: input.desiredHash,
    ensure: actionWrites(action) ? planEnsure(input.ensure, input.live) : [],
    actions,
    observedInventory: input.inventory,
    finalInventory: { release: input.release, hash: input.desiredHash, phase: 'applied' as const, objects: input.desired.map(refOf) },
    journal: view.recorded && action !== 'wait' ? journalBefore(view, actions, input.live) : undefined,
  };
  return planOf(action, parts, input);
}

/**
 * Pure: the plan of a release no longer wanted: `removed` → uninstall, everything the release wrote
 * in reverse dependency order (with a journal, what the journal recorded: a missing inventory is not
 * "nothing installed"; without one, what the inventory lists); nothing installed → `in-sync`;
 * another writer's live hold → `locked`, nothing planned.
 */
export function planUninstall(release: { name: string; namespace: string; writer?: string }, observed: UninstallInput): ReleasePlan {
  const status = chooseReleaseState({ objects: undefined, hash: '', adopt: false, prune: true, writer: release.writer }, observed);
  const action = NEXT_STEP[status.state];
  const { recorded, settled } = journalView(observed.journal, observed.live);
  const guards = { ...(recorded ? { recorded } : {}), ...(observed.namespaceContents ? { namespaceContents: observed.namespaceContents } : {}) };
  const removal = planRemoval(releaseRefs(observed.inventory, observed.journal), observed.live, guards);
  const parts = {
    release: release.name,
    namespace: release.namespace,
    status,
    desiredHash: '',
    ensure: [],
    actions: stepsOf(action, removal),
    observedInventory: observed.inventory,
    finalInventory: undefined,
    journal: recorded && action !== 'wait' ? settled : undefined,
  };
  return planOf(action, parts, observed);
}

/** The inventory object's reference for a release. */
export function inventoryRef(release: string, namespace: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: inventoryName(release) };
}
