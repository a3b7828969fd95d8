import type { NamespaceItem } from '../kube/namespace-contents.js';
import { refKey } from '../kube/object.js';
import type { KubeObject, ObjectRef } from '../kube/object.js';
import type { JournalEntry } from '../plan/journal.js';
import { journalView } from '../plan/journal.js';
import type { ObjectAction } from '../plan/objects.js';
import { isWrite, planObjects } from '../plan/objects.js';
import type { InventoryObject, InventoryRecord, ReleaseHold, ReleaseStatus } from './state.js';

/** What guards a release's deletions besides its objects: the journal, namespace contents, a distrusted inventory. */
export interface ReleaseGuards {
  /** The release's journal entries on this cluster; undefined without a state directory (label-only ownership). */
  journal?: ReadonlyMap<string, JournalEntry>;
  /** Contents of every Namespace the release may delete (listNamespaceContents). */
  namespaceContents?: ReadonlyMap<string, readonly NamespaceItem[]>;
  /** Set when an inventory was found but may not be used (readInventory's warning). */
  inventoryWarning?: string;
  /** The clock (epoch ms) when the inventory was read; undefined: no hold is judged live (a caller without a clock). */
  observedAt?: number;
  /** For a hold taken by a process on this host: whether that process still runs; undefined: not known (another host). */
  holderRunning?: boolean;
}

/** What a pass observed of a release on one cluster, as pure data (observe.ts reads it). */
export interface ReleaseObservation extends ReleaseGuards {
  /** The inventory, only when it may be used (authentic, or unchecked without a state directory). */
  inventory: InventoryRecord | undefined;
  /** Live objects by key; null: observed absent. */
  live: ReadonlyMap<string, KubeObject | null>;
}

/** What the release should be on a cluster, and who asks. Pure data. */
export interface ReleaseDesire {
  /** Every object rendered; undefined: the release is no longer wanted (removal). */
  objects: readonly KubeObject[] | undefined;
  /** Hash of `objects` ('' for a removal). */
  hash: string;
  adopt: boolean;
  prune: boolean;
  /** This release engine's writer id (ReleaseHold.writer): its own hold never locks it out. */
  writer?: string;
}

function plainRef(o: InventoryObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: o.apiVersion, kind: o.kind, name: o.name };
  if (o.namespace !== undefined) ref.namespace = o.namespace;
  return ref;
}

/** What a release may have written: the journal's entries (they decide) and the usable inventory's objects. */
export function releaseRefs(inventory: InventoryRecord | undefined, journal: ReadonlyMap<string, JournalEntry> | undefined): ObjectRef[] {
  const refs = [...[...(journal?.values() ?? [])].map((e) => e.ref), ...(inventory?.objects ?? []).map(plainRef)];
  return [...new Map(refs.map((r) => [refKey(r), r])).values()];
}

/**
 * Pure: the hold another writer has on the release right now, or undefined. A hold counts only on a
 * pending inventory, when it is not this engine's own (its own: a pass of its own stopped, finish
 * the job), its process is not known to be gone, and it has not lapsed at `observedAt`.
 */
export function liveHold(inventory: InventoryRecord | undefined, observed: ReleaseGuards, writer: string | undefined): ReleaseHold | undefined {
  const hold = inventory?.phase === 'applied' ? undefined : inventory?.hold;
  if (hold === undefined || hold.writer === writer || observed.holderRunning === false) return undefined;
  if (observed.observedAt === undefined || hold.until <= observed.observedAt) return undefined;
  return hold;
}

/** Pure: live objects compared with what is wanted, one step per object (create, update, prune, conflict…). */
export function compareRelease(desire: ReleaseDesire, observed: ReleaseObservation): ObjectAction[] {
  const { recorded } = journalView(observed.journal, observed.live);
  const guards = { ...(recorded ? { recorded } : {}), ...(observed.namespaceContents ? { namespaceContents: observed.namespaceContents } : {}) };
  const previous = releaseRefs(observed.inventory, observed.journal);
  return planObjects({ desired: desire.objects ?? [], live: observed.live, previous, adopt: desire.adopt, prune: desire.prune, ...guards });
}

function locked(hold: ReleaseHold): ReleaseStatus {
  const until = new Date(hold.until).toISOString();
  return { state: 'locked', reason: `another writer holds the release (${hold.writer}, pid ${hold.pid} on ${hold.host}) until ${until}: nothing written` };
}

/** The state of a release with no usable inventory: nothing of it live (absent), or objects without a record. */
function withoutInventory(actions: readonly ObjectAction[]): ReleaseStatus {
  return actions.every((a) => a.op === 'create')
    ? { state: 'absent', reason: 'not installed' }
    : { state: 'out-of-sync', reason: 'objects exist but no inventory was found (it is rewritten from the journal)' };
}

/** The state of a wanted release with a usable inventory and no conflict. */
function withInventory(inventory: InventoryRecord, hash: string, actions: readonly ObjectAction[]): ReleaseStatus {
  if (inventory.phase !== 'applied') return { state: 'failed', reason: `a previous pass stopped while ${inventory.phase}` };
  if (inventory.hash !== hash) return { state: 'out-of-sync', reason: 'chart or values changed' };
  const writes = actions.filter(isWrite);
  if (writes.length === 0) return { state: 'in-sync', reason: 'every object matches' };
  const names = writes.map((a) => a.ref.kind + '/' + a.ref.name).join(', ');
  return { state: 'drifted', reason: `${writes.length} object(s) differ from what was applied: ${names}` };
}

/** The state of a release no longer wanted: installed (journal or inventory) or not. */
function forRemoval(observed: ReleaseObservation): ReleaseStatus {
  const { recorded } = journalView(observed.journal, observed.live);
  const installed = observed.inventory !== undefined || (recorded !== undefined && recorded.size > 0);
  if (!installed) return { state: 'in-sync', reason: 'nothing installed' };
  const why =
    observed.inventory === undefined ? 'its descriptor was removed (no usable inventory: removing what the journal recorded)' : 'its descriptor was removed';
  return { state: 'removed', reason: why };
}

/**
 * Pure: the one state a release is in, chosen from what was observed, in this order: `locked`
 * (another writer's live hold: nothing else is judged), then for a removal `removed` or `in-sync`;
 * for a wanted release `unmanaged` (a conflict), `drifted` (a distrusted inventory), `absent` /
 * `out-of-sync` (no usable inventory), `failed` (a pending inventory nobody holds), `out-of-sync`
 * (another revision), `drifted` (objects differ), else `in-sync`. `actions` is compareRelease's
 * result for the same inputs (computed when not given).
 */
export function chooseReleaseState(desire: ReleaseDesire, observed: ReleaseObservation, actions?: readonly ObjectAction[]): ReleaseStatus {
  const hold = liveHold(observed.inventory, observed, desire.writer);
  if (hold !== undefined) return locked(hold);
  if (desire.objects === undefined) return forRemoval(observed);
  const steps = actions ?? compareRelease(desire, observed);
  const conflicts = steps.filter((a) => a.op === 'conflict');
  if (conflicts.length > 0) return { state: 'unmanaged', reason: conflicts.map((a) => a.reason).join('; ') };
  if (observed.inventoryWarning !== undefined) return { state: 'drifted', reason: observed.inventoryWarning };
  return observed.inventory === undefined ? withoutInventory(steps) : withInventory(observed.inventory, desire.hash, steps);
}
