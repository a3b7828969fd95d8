import type { KubeObject } from '../kube/object.js';
import type { ExecutionOutcome } from './outcome.js';
import type { ObjectAction } from './objects.js';
import type { ObjectRef } from '../kube/object.js';
import { isOwned } from './objects.js';

/** One object meshd created on a cluster: its reference and its UID (undefined while the create is in flight). */
export interface JournalEntry {
  ref: ObjectRef;
  uid?: string;
}

/** Changes to one (cluster, owner) journal: entries to add or replace, keys to drop. */
export interface JournalUpdate {
  record: Map<string, JournalEntry>;
  forget: string[];
}

/** What the journal says after settling it against the live objects. */
export interface JournalSettlement {
  /** Object key → UID meshd created: the only objects it may delete (planObjects' `recorded`). */
  recorded: Map<string, string>;
  /** What apply mode writes back: pending entries adopted or dropped, entries whose object is gone. */
  update: JournalUpdate;
}

/** An empty journal update. */
export function noJournalUpdate(): JournalUpdate {
  return { record: new Map(), forget: [] };
}

/**
 * Pure: reconciles journal entries with what is live (every entry's key must be in `live`, or it is
 * kept as it is). A pending entry (a create a kill -9 interrupted) is adopted when its live object
 * carries meshd's label, dropped when it is absent or someone else's; an entry whose object is gone,
 * or was replaced by another object (another UID), is dropped: meshd did not create what is there now.
 */
export function settleJournal(entries: ReadonlyMap<string, JournalEntry>, live: ReadonlyMap<string, KubeObject | null>): JournalSettlement {
  const recorded = new Map<string, string>();
  const update = noJournalUpdate();
  for (const [key, entry] of entries) {
    const obj = live.get(key);
    if (obj === undefined) {
      if (entry.uid !== undefined) recorded.set(key, entry.uid);
      continue;
    }
    const uid = obj?.metadata.uid;
    if (obj === null || typeof uid !== 'string') update.forget.push(key);
    else if (entry.uid === undefined && isOwned(obj)) {
      recorded.set(key, uid);
      update.record.set(key, { ref: entry.ref, uid });
    } else if (entry.uid === uid) recorded.set(key, uid);
    else update.forget.push(key);
  }
  return { recorded, update };
}

/**
 * Pure: the journal entries to write before carrying out `actions`. A create, a re-create and an
 * update that adopts an object meshd did not own get a pending entry (no UID: a kill -9 before the
 * UID is recorded is recovered by settleJournal). The migration rule: an object desired and live with
 * meshd's label that the journal does not hold with its live UID (an earlier meshd version, a new
 * bastion) is recorded with that UID when meshd keeps or updates it.
 */
export function journalBeforeApply(
  actions: readonly ObjectAction[],
  live: ReadonlyMap<string, KubeObject | null>,
  recorded: ReadonlyMap<string, string>,
): Map<string, JournalEntry> {
  const entries = new Map<string, JournalEntry>();
  for (const a of actions) {
    const entry = a.op === 'create' || a.op === 'recreate' ? { ref: a.ref } : entryForLive(a, live.get(a.key), recorded);
    if (entry !== undefined) entries.set(a.key, entry);
  }
  return entries;
}

/**
 * The entry a kept or updated action writes for its live object: pending when meshd adopts it, with
 * the live UID when the journal does not hold that UID yet; none otherwise.
 */
function entryForLive(a: ObjectAction, obj: KubeObject | null | undefined, recorded: ReadonlyMap<string, string>): JournalEntry | undefined {
  if (a.op !== 'keep' && a.op !== 'update') return undefined;
  const uid = obj?.metadata.uid;
  if (!obj || typeof uid !== 'string') return undefined;
  if (!isOwned(obj)) return { ref: a.ref };
  return recorded.get(a.key) !== uid ? { ref: a.ref, uid } : undefined;
}

/** Pure: what executed actions did, as a journal update (UIDs of applied objects, deleted keys forgotten). */
export function journalAfterApply(actions: readonly ObjectAction[], outcome: Pick<ExecutionOutcome, 'applied' | 'deleted'>): JournalUpdate {
  const update = noJournalUpdate();
  for (const a of actions) {
    const uid = outcome.applied.get(a.key);
    if (uid !== undefined) update.record.set(a.key, { ref: a.ref, uid });
    else if (outcome.deleted.has(a.key)) update.forget.push(a.key);
  }
  return update;
}

/** Pure: `b` after `a` (a key `b` records is no longer forgotten, and the other way round). */
export function mergeJournalUpdates(a: JournalUpdate, b: JournalUpdate): JournalUpdate {
  const record = new Map([...a.record].filter(([k]) => !b.forget.includes(k)));
  for (const [k, v] of b.record) record.set(k, v);
  const forget = [...new Set([...a.forget.filter((k) => !b.record.has(k)), ...b.forget])];
  return { record, forget };
}

/** The journal's side of one plan: the UIDs planObjects may delete and the settled entries to write back. */
export interface JournalView {
  /** Undefined without a journal (label-only ownership). */
  recorded?: Map<string, string>;
  settled: JournalUpdate;
}

/** Pure: settles journal entries (undefined: no journal) against live, for planObjects' `recorded`. */
export function journalView(entries: ReadonlyMap<string, JournalEntry> | undefined, live: ReadonlyMap<string, KubeObject | null>): JournalView {
  if (entries === undefined) return { settled: noJournalUpdate() };
  const { recorded, update } = settleJournal(entries, live);
  return { recorded, settled: update };
}

/** Pure: everything to write to the journal before carrying out `actions` (settled entries, then journalBeforeApply). */
export function journalBefore(view: JournalView, actions: readonly ObjectAction[], live: ReadonlyMap<string, KubeObject | null>): JournalUpdate {
  if (view.recorded === undefined) return view.settled;
  return mergeJournalUpdates(view.settled, { record: journalBeforeApply(actions, live, view.recorded), forget: [] });
}
