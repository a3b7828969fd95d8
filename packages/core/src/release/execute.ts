import type { ClusterClient } from '../cluster/client.js';
import { httpStatusOf } from '../cluster/client.js';
import { applyObject, deleteObject, replaceObject } from '../kube/io.js';
import { executeJournaled, writeJournal } from '../apply/execute-journaled.js';
import { MeshdError, writesBefore } from '../errors.js';
import { emptyOutcome, type ExecutionOutcome } from '../plan/outcome.js';
import { journalBeforeApply, noJournalUpdate } from '../plan/journal.js';
import { FIELD_MANAGER, refKey } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import type { ObjectJournal } from '../plugin/types.js';
import { inventoryObject } from './inventory.js';
import type { ReleasePlan } from './plan.js';
import { inventoryRef } from './plan.js';
import { actionWrites } from './state.js';
import type { InventoryObject, InventoryRecord, ReleaseHold } from './state.js';

/** The journals a release writes: its own (`release/<name>`) and the one of prerequisites it created. */
export interface ReleaseJournals {
  release?: ObjectJournal;
  prerequisites?: ObjectJournal;
}

/** Journal owner of a release. */
export function releaseOwner(release: string): string {
  return `release/${release}`;
}

/** Journal owner of prerequisites (the release namespace): recorded when created, never deleted. */
export const PREREQUISITES_OWNER = 'prerequisites';

function union(a: readonly InventoryObject[], b: readonly InventoryObject[]): InventoryObject[] {
  return [...new Map([...a, ...b].map((r) => [refKey(r), r])).values()];
}

/** True when carrying out the plan would write anything: its action writes (NEXT_STEP). */
export function releaseNeedsWrites(plan: ReleasePlan): boolean {
  return actionWrites(plan.action);
}

/**
 * The hold a writer takes before writing (core's release engine always gives one): the pending
 * inventory carries it and is written only if the inventory is still the one observed (created when
 * none was seen, else applied at the observed resourceVersion), so two writers that observed the same
 * inventory cannot both go on: the second gets 409 and reports the release locked.
 */
export interface ReleaseHoldClaim {
  hold: ReleaseHold;
  /** The observed inventory ConfigMap's resourceVersion; null: none was observed. */
  inventoryVersion: string | null;
}

function withUids(objects: readonly InventoryObject[], uids: ReadonlyMap<string, string>): InventoryObject[] {
  return objects.map((o) => {
    const uid = uids.get(refKey(o));
    const { uid: _old, ...ref } = o;
    return uid === undefined ? ref : { ...ref, uid };
  });
}

/** What is live after a run in which `failed` actions failed: objects kept or written, and those a failed delete left. */
function liveAfterFailure(plan: ReleasePlan, failed: ReadonlySet<string>): InventoryObject[] {
  const wanted = (plan.finalInventory?.objects ?? []).filter((o) => !failed.has(refKey(o)) || plan.uids.has(refKey(o)));
  const left = (plan.observedInventory?.objects ?? []).filter((o) => failed.has(refKey(o)));
  return union(wanted, left);
}

/** Apply mode with nothing to write to the cluster: only the journal bookkeeping the plan decided. */
export async function rememberReleasePlan(plan: ReleasePlan, journals: ReleaseJournals = {}): Promise<void> {
  await writeJournal(journals.release, plan.journal ?? noJournalUpdate());
}

/** Where a pending inventory write left the release: the writes made, the resourceVersion later inventory writes are conditional on. */
interface PendingWrite {
  writes: number;
  version?: string;
}

/**
 * Writes an inventory: at `version`, whole (PUT: 409 Conflict when it changed since, and no field of
 * an earlier write, such as a hold, survives); without one, server-side applied as before holds.
 */
async function writeInventoryAt(client: ClusterClient, obj: KubeObject, version: string | undefined): Promise<KubeObject> {
  if (version === undefined) return applyObject(client, obj);
  return replaceObject(client, { ...obj, metadata: { ...obj.metadata, resourceVersion: version } });
}

/** Takes the hold: writes the pending inventory only if it is still the one observed; 409 means another writer got there first. */
async function claimRelease(client: ClusterClient, obj: KubeObject, claim: ReleaseHoldClaim): Promise<PendingWrite> {
  try {
    const written =
      claim.inventoryVersion === null
        ? await client.objects.create(obj, { fieldManager: FIELD_MANAGER })
        : await writeInventoryAt(client, obj, claim.inventoryVersion);
    const version: unknown = written.metadata?.resourceVersion;
    return typeof version === 'string' ? { writes: 1, version } : { writes: 1 };
  } catch (err) {
    if (httpStatusOf(err) !== 409) throw err;
    throw lockedError({ cluster: client.name, release: obj.metadata.name, what: 'nothing else written' }, err, 1);
  }
}

/** A conditional inventory write answered 409: another writer changed the inventory since this one read it. */
function lockedError(where: { cluster: string; release: string; what: string }, cause: unknown, writes: number): MeshdError {
  const message = `${where.cluster}: release ${where.release}: another writer changed the inventory since it was read: ${where.what}`;
  return new MeshdError('MESHD_ERR_RELEASE_LOCKED', message, { cause, writes });
}

/** True when the usable inventory already lists every object the plan may leave (an upgrade of the same objects, a repair). */
function inPlace(plan: ReleasePlan, objects: readonly InventoryObject[], previous: readonly InventoryObject[]): boolean {
  return plan.observedInventory !== undefined && objects.length <= previous.length && plan.finalInventory !== undefined;
}

/** An in-place step writes no pending inventory; its final inventory is conditional on the observed one (with a claim). */
function noPendingWrite(claim: ReleaseHoldClaim | undefined): PendingWrite {
  return claim?.inventoryVersion ? { writes: 0, version: claim.inventoryVersion } : { writes: 0 };
}

/**
 * Writes the inventory meshd may need to finish from after a crash: every object old or new
 * (`applying`) or still there (`uninstalling`), with the claim's hold when one is given. Skipped when
 * the usable inventory already lists every object (an in-place upgrade or repair: a crash leaves
 * nothing it does not name); then a claim makes the final inventory write conditional instead, so a
 * writer that came in between is found (409, MESHD_ERR_RELEASE_LOCKED) without an extra write.
 */
async function writePendingInventory(
  client: ClusterClient,
  plan: ReleasePlan,
  w: { journals: ReleaseJournals; uids: ReadonlyMap<string, string>; claim?: ReleaseHoldClaim },
): Promise<PendingWrite> {
  const { journals, uids, claim } = w;
  const previous = withUids(plan.observedInventory?.objects ?? [], uids);
  const objects = withUids(union(union(previous, journaledRefs(journals.release)), plan.finalInventory?.objects ?? []), uids);
  const record = pendingRecord(plan, objects);
  const key = journals.release?.inventoryKey();
  if (inPlace(plan, objects, previous) && claim?.inventoryVersion !== null) return noPendingWrite(claim);
  if (claim !== undefined) return claimRelease(client, inventoryObject(plan.namespace, { ...record, hold: claim.hold }, key), claim);
  await applyObject(client, inventoryObject(plan.namespace, record, key));
  return { writes: 1 };
}

/** The objects a journal holds entries for. */
function journaledRefs(journal: ObjectJournal | undefined): InventoryObject[] {
  return [...(journal?.entries().values() ?? [])].map((e) => e.ref);
}

/** The inventory written before applying: `applying` toward the desired hash, or `uninstalling` with the observed one. */
function pendingRecord(plan: ReleasePlan, objects: InventoryObject[]): InventoryRecord {
  return {
    release: plan.release,
    hash: plan.desiredHash || (plan.observedInventory?.hash ?? ''),
    phase: plan.finalInventory ? 'applying' : 'uninstalling',
    objects,
  };
}

/**
 * Creates the release's prerequisites (its namespace), journaled as created; the number of writes.
 * Each object as the API server returned it goes to `written` (when given), so the next observation does not read it again.
 */
async function ensurePrerequisites(
  client: ClusterClient,
  plan: ReleasePlan,
  journals: ReleaseJournals,
  run: Pick<ReleaseExecution, 'signal' | 'written'>,
): Promise<number> {
  const outcome = { ...emptyOutcome(), ...(run.written ? { live: new Map<string, KubeObject>() } : {}) };
  const before = { record: journalBeforeApply(plan.ensure, new Map(), new Map()), forget: [] };
  const { writes } = await executeJournaled(client, plan.ensure, { journal: journals.prerequisites, before, signal: run.signal, outcome });
  for (const [key, live] of outcome.live ?? []) run.written?.set(key, live);
  return writes;
}

/** What a failed apply leaves to record: the actions' outcome so far, the UIDs known, the writes made before it. */
interface ApplyFailure {
  err: unknown;
  outcome: ExecutionOutcome;
  uids: Map<string, string>;
  writes: number;
  signal: AbortSignal | undefined;
  journals: ReleaseJournals;
  /** The resourceVersion of the pending inventory this writer wrote (its hold); undefined: none. */
  version: string | undefined;
}

/**
 * The error to throw when applying failed. When some objects failed and the others were written
 * (not aborted, something to install), the inventory first records what is live now (and so drops
 * the hold), and the error counts that write; anything else is thrown as it came (an aborted step
 * keeps its hold: the same writer finishes the job).
 */
async function errorAfterFailedApply(client: ClusterClient, plan: ReleasePlan, f: ApplyFailure): Promise<unknown> {
  const { err } = f;
  if (!(err instanceof MeshdError) || plan.finalInventory === undefined || f.signal?.aborted === true) return err;
  for (const [k, uid] of f.outcome.applied) f.uids.set(k, uid);
  const applied = { ...plan.finalInventory, objects: withUids(liveAfterFailure(plan, f.outcome.failed), f.uids) };
  await writeInventoryAt(client, inventoryObject(plan.namespace, applied, f.journals.release?.inventoryKey()), f.version);
  return new MeshdError(err.code, err.message, { cause: err.cause, writes: f.writes + writesBefore(err) + 1 });
}

/**
 * Records the result: the final inventory with the UIDs applied (at the pending inventory's version
 * when this writer holds it: 409 if someone else wrote it since), or (uninstalled) no inventory at all.
 */
async function writeFinalInventory(
  client: ClusterClient,
  plan: ReleasePlan,
  uids: ReadonlyMap<string, string>,
  w: { journals: ReleaseJournals; version: string | undefined; writes: number },
): Promise<KubeObject | null> {
  const final = plan.finalInventory;
  if (final) {
    const obj = inventoryObject(plan.namespace, { ...final, objects: withUids(final.objects, uids) }, w.journals.release?.inventoryKey());
    return writeInventoryAt(client, obj, w.version).catch((err: unknown) => {
      throw httpStatusOf(err) === 409
        ? lockedError({ cluster: client.name, release: plan.release, what: 'its objects were written, its inventory was not' }, err, w.writes + 1)
        : err;
    });
  }
  await deleteObject(client, inventoryRef(plan.release, plan.namespace));
  return null;
}

/**
 * Copies what a run wrote into `written` (objects as returned, deletions as null), and the release's
 * inventory as the server answered its write: observing again after the step need not read it back.
 */
function recordWritten(
  written: Map<string, KubeObject | null> | undefined,
  outcome: ExecutionOutcome,
  inventory: { key: string; object: KubeObject | null },
): void {
  if (!written) return;
  for (const [key, live] of outcome.live ?? []) written.set(key, live);
  for (const key of outcome.deleted) written.set(key, null);
  written.set(inventory.key, inventory.object);
}

/** How a release plan is carried out: the signal that stops it, the journals it records in, the hold it takes. */
export interface ReleaseExecution {
  signal?: AbortSignal;
  journals?: ReleaseJournals;
  /** Given (core's release engine), the pending inventory is always written, with the hold, conditionally. */
  claim?: ReleaseHoldClaim;
  /**
   * Filled in when given: every object the plan wrote, and the release's inventory, as the API server
   * returned them from the write (null: deleted), so observing again after the step need not read them back.
   */
  written?: Map<string, KubeObject | null>;
}

/**
 * Carries out a release plan, crash-safe: the journal first gets a pending entry for every object
 * this pass may create, the inventory is written as `applying` with every object old or new (and the
 * writer's hold), then objects are applied and pruned (the UIDs the API server returns recorded in the
 * journal), then the inventory records the result with those UIDs, authenticated with the bastion's
 * key, and no hold. A kill -9 anywhere leaves a journal and an inventory from which the next pass
 * finishes the job. Returns the number of write requests.
 */
export async function executeReleasePlan(client: ClusterClient, plan: ReleasePlan, run: ReleaseExecution = {}): Promise<number> {
  const { signal, journals = {}, claim } = run;
  if (plan.status.state === 'unmanaged') {
    throw new MeshdError('MESHD_ERR_NOT_OWNED', `${client.name}: release ${plan.release}: ${plan.status.reason}`);
  }
  if (!releaseNeedsWrites(plan)) {
    await rememberReleasePlan(plan, journals);
    return 0;
  }
  const uids = new Map(plan.uids);
  let writes = await ensurePrerequisites(client, plan, journals, run);
  const pending = await writePendingInventory(client, plan, { journals, uids, ...(claim ? { claim } : {}) });
  writes += pending.writes;
  const outcome = { ...emptyOutcome(), ...(run.written ? { live: new Map<string, KubeObject>() } : {}) };
  let result: Awaited<ReturnType<typeof executeJournaled>>;
  try {
    result = await executeJournaled(client, plan.actions, { journal: journals.release, before: plan.journal ?? noJournalUpdate(), signal, outcome });
  } catch (err) {
    // Some objects failed, the others were written: the inventory records what is live now.
    throw await errorAfterFailedApply(client, plan, { err, outcome, uids, writes, signal, journals, version: pending.version });
  }
  writes += result.writes;
  for (const [k, uid] of result.applied) uids.set(k, uid);
  const inventory = await writeFinalInventory(client, plan, uids, { journals, version: pending.version, writes });
  recordWritten(run.written, outcome, { key: refKey(inventoryRef(plan.release, plan.namespace)), object: inventory });
  return writes + 1;
}
