import type { NamespaceItem } from '../kube/namespace-contents.js';
import { APPLIED_HASH_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, objectKey, refKey, refOf } from '../kube/object.js';
import type { KubeObject, ObjectRef } from '../kube/object.js';
import { contentHash } from './hash.js';
import { sortForApply, sortForDelete } from './order.js';
import { differences, containsDesired } from './semantic.js';

/** One step on one object. `keep` and `conflict` write nothing; `orphan` leaves an object behind. */
export type ObjectOp = 'create' | 'update' | 'recreate' | 'delete' | 'keep' | 'conflict' | 'orphan';

/** A planned step. `desired` is the object to write, already marked as meshd's. */
export interface ObjectAction {
  op: ObjectOp;
  key: string;
  ref: ObjectRef;
  desired?: KubeObject;
  reason: string;
  /** Paths that differ (never values: a Secret's data must not leak into plan output). */
  diff?: string[];
  /** Write the whole object (PUT) instead of server-side applying it: drops fields other managers own. */
  replace?: boolean;
}

/** Everything the object planner needs; it does no I/O. */
export interface ObjectPlanInput {
  /** Objects as rendered, without meshd's marks. */
  desired: readonly KubeObject[];
  /** Live objects by objectKey; null means observed absent. Desired and previous keys must be present. */
  live: ReadonlyMap<string, KubeObject | null>;
  /** What meshd applied before (its inventory), to find objects to prune. */
  previous: readonly ObjectRef[];
  adopt: boolean;
  prune: boolean;
  /** Objects that must be deleted and created instead of updated (0.8.0 Pilot ignores Secret updates). */
  recreateOnChange?: (obj: KubeObject) => boolean;
  /**
   * What the bastion's journal recorded creating for this cluster and owner: object key → UID. Given,
   * an object is deleted only when its live UID is the recorded one and it still carries meshd's
   * label. Undefined (no state directory): ownership is the label alone, as before the journal.
   */
  recorded?: ReadonlyMap<string, string>;
  /**
   * What each namespace that may be deleted holds (listed live, see listNamespaceContents). Given, a
   * Namespace is deleted only when everything in it is meshd's by the same rule; a Namespace missing
   * from the map is left alone. Undefined: Namespaces are judged like any object.
   */
  namespaceContents?: ReadonlyMap<string, readonly NamespaceItem[]>;
}

/** Why an object listed for removal is left alone, or undefined when meshd may delete it. */
export type Ownership = { deletable: true } | { deletable: false; reason: string };

/** Reason of an orphan whose UID the journal does not hold (the attack report's L6/L7 probes). */
export const NOT_RECORDED = 'not created by meshd (UID not recorded): left alone';

/** True when meshd owns the live object (its managed-by label says so). */
export function isOwned(live: Pick<KubeObject, 'metadata'>): boolean {
  return live.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/**
 * Pure: may meshd delete this live object? With a journal (`recorded`), only when its UID is the one
 * meshd recorded creating and it still carries meshd's label; without one, when it carries the label.
 */
export function ownership(key: string, live: NamespaceItem, recorded: ReadonlyMap<string, string> | undefined): Ownership {
  if (recorded !== undefined) {
    const uid = recorded.get(key);
    if (uid === undefined || uid !== live.metadata.uid) return { deletable: false, reason: NOT_RECORDED };
  }
  if (!isOwned(live)) return { deletable: false, reason: 'no longer rendered, but not managed by meshd: left alone' };
  return { deletable: true };
}

function foreignIn(namespace: string, input: ObjectPlanInput): string | undefined {
  const items = input.namespaceContents?.get(namespace);
  if (items === undefined) return 'its contents were not listed: left alone';
  const foreign = items.filter((i) => !ownership(objectKey(i), i, input.recorded).deletable).map((i) => `${i.kind} ${i.metadata.name}`);
  if (foreign.length === 0) return undefined;
  const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
  return `holds objects meshd does not own (${shown}): left alone`;
}

/** The object with meshd's ownership label and the hash of its rendered content. */
export function markOwned(obj: KubeObject): KubeObject {
  const hash = contentHash(obj);
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations: { ...obj.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash },
    },
  };
}

function planDesired(obj: KubeObject, input: ObjectPlanInput): ObjectAction {
  const key = objectKey(obj);
  const desired = markOwned(obj);
  const base = { key, ref: refOf(obj), desired };
  const live = input.live.get(key);
  if (live === undefined) throw new Error(`planObjects: ${key} was not observed`);
  if (live === null) return { ...base, op: 'create', reason: 'absent' };
  if (!isOwned(live) && !input.adopt) {
    return { ...base, op: 'conflict', reason: `${obj.kind} ${obj.metadata.name} exists and is not managed by meshd (set adopt: true to take it over)` };
  }
  return { ...base, ...stepForExisting(obj, live, desired, input) };
}

/**
 * The step for an object that exists and meshd may write: keep it when owned and in sync, else
 * update it (or re-create it when the plugin asks) naming why and which paths differ.
 */
function stepForExisting(obj: KubeObject, live: KubeObject, desired: KubeObject, input: ObjectPlanInput): Pick<ObjectAction, 'op' | 'reason' | 'diff'> {
  const sameHash = live.metadata.annotations?.[APPLIED_HASH_ANNOTATION] === desired.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
  if (isOwned(live) && sameHash && containsDesired(live, desired)) return { op: 'keep', reason: 'in sync' };
  const diff = differences(live, desired);
  const reason = writeReason(live, sameHash);
  const op = input.recreateOnChange?.(obj) && isOwned(live) ? 'recreate' : 'update';
  return { op, reason, diff };
}

/** Why meshd writes an existing object: it adopts it, or its content drifted or changed since meshd applied it. */
function writeReason(live: KubeObject, sameHash: boolean): string {
  if (!isOwned(live)) return 'adopting';
  return sameHash ? 'drifted' : 'changed';
}

function planRemoved(ref: ObjectRef, input: ObjectPlanInput): ObjectAction | undefined {
  const key = refKey(ref);
  const live = input.live.get(key);
  if (live === undefined) throw new Error(`planObjects: ${key} was not observed`);
  if (live === null) return undefined;
  const owned = ownership(key, live, input.recorded);
  if (!owned.deletable) return { op: 'orphan', key, ref, reason: owned.reason };
  if (!input.prune) return { op: 'orphan', key, ref, reason: 'no longer rendered; prune is off' };
  const foreign = ref.kind === 'Namespace' && input.namespaceContents !== undefined ? foreignIn(ref.name, input) : undefined;
  if (foreign !== undefined) return { op: 'orphan', key, ref, reason: foreign };
  return { op: 'delete', key, ref, reason: 'no longer rendered' };
}

/**
 * Pure: pairs desired and live objects and decides one step for each. Writes come first in apply
 * order, then deletes in reverse order. Deterministic for equal input.
 */
export function planObjects(input: ObjectPlanInput): ObjectAction[] {
  const desiredKeys = new Set(input.desired.map((o) => objectKey(o)));
  const writes = sortForApply(input.desired).map((o) => planDesired(o, input));
  const gone = input.previous.filter((r) => !desiredKeys.has(refKey(r)));
  const uniqueGone = [...new Map(gone.map((r) => [refKey(r), r])).values()];
  const removals = sortForDelete(
    uniqueGone.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, namespace: r.namespace }, ref: r })),
  )
    .map((x) => planRemoved(x.ref, input))
    .filter((a): a is ObjectAction => a !== undefined);
  return [...writes, ...removals];
}

/** What planRemoval needs besides the objects: the journal's UIDs and namespace contents (see ObjectPlanInput). */
export type RemovalGuards = Pick<ObjectPlanInput, 'recorded' | 'namespaceContents'>;

/** Pure: the steps that remove every object meshd applied (uninstall), in delete order. */
export function planRemoval(previous: readonly ObjectRef[], live: ReadonlyMap<string, KubeObject | null>, guards: RemovalGuards = {}): ObjectAction[] {
  return planObjects({ desired: [], live, previous, adopt: false, prune: true, ...guards });
}

/** True when an action writes to the cluster. */
export function isWrite(action: ObjectAction): boolean {
  return action.op === 'create' || action.op === 'update' || action.op === 'recreate' || action.op === 'delete';
}
