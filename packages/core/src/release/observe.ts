import type { ClusterClient } from '../cluster/client.js';
import { readObject, readObjects } from '../kube/io.js';
import { listContentsOf } from '../kube/namespace-contents.js';
import { objectKey, refKey } from '../kube/object.js';
import type { KubeObject, ObjectRef } from '../kube/object.js';
import type { ObjectJournal } from '../plugin/types.js';
import type { ReleaseObservation } from './choose.js';
import { observeNamespacesFirst } from './namespaces-first.js';
import { releaseRefs } from './choose.js';
import { PREREQUISITES_OWNER, releaseOwner } from './execute.js';
import type { ReleaseJournals } from './execute.js';
import { holderRunning } from './hold.js';
import { readInventory } from './inventory.js';
import { inventoryRef, namespacesToInspect, refsToObserve } from './plan.js';

/** What a pass observed of a release on one cluster: everything planRelease / planUninstall take. Plain data. */
export interface ObservedRelease extends ReleaseObservation {
  /** The inventory ConfigMap's resourceVersion, null when there is none: taking the hold is conditional on it. */
  inventoryVersion: string | null;
}

/** What a release wants on a cluster (nothing, for an uninstall) and the journals it writes. */
export interface ReleaseWanted {
  desired: readonly KubeObject[];
  ensure: readonly KubeObject[];
  journals: ReleaseJournals;
  /** The clock: the observation's `observedAt`. */
  now: () => number;
  /**
   * Live objects already observed in this pass and not written since, and what the step wrote as its
   * writes returned it (a re-observation after a step): they are not read again. The inventory is
   * read unless the step wrote it (its key is in `known`: the object the write returned, or null).
   */
  known?: ReadonlyMap<string, KubeObject | null>;
}

/** An object's resourceVersion; null when there is no object (or, from a broken server, no version). */
function versionOf(obj: KubeObject | null): string | null {
  const version: unknown = obj?.metadata.resourceVersion;
  return typeof version === 'string' ? version : null;
}

/** The release's journals on a cluster (none without a state directory). */
export function releaseJournals(journal: ((owner: string) => ObjectJournal) | undefined, release: string): ReleaseJournals {
  return journal ? { release: journal(releaseOwner(release)), prerequisites: journal(PREREQUISITES_OWNER) } : {};
}

/** The live objects `known` holds apart from the inventory the last step wrote (undefined: it wrote none). */
function splitInventory(
  known: ReadonlyMap<string, KubeObject | null> | undefined,
  inventoryKey: string,
): { known: ReadonlyMap<string, KubeObject | null> | undefined; inventory: KubeObject | null | undefined } {
  if (known === undefined || !known.has(inventoryKey)) return { known, inventory: undefined };
  const live = new Map(known);
  live.delete(inventoryKey);
  return { known: live, inventory: known.get(inventoryKey) ?? null };
}

/**
 * `known`, and what observeNamespacesFirst reads or infers beforehand: the Namespaces and
 * cluster-scoped objects of `refs`, and as absent everything in a Namespace that is absent. What
 * `known` holds wins.
 */
async function withNamespacesFirst(
  client: ClusterClient,
  refs: readonly ObjectRef[],
  known: ReadonlyMap<string, KubeObject | null> | undefined,
): Promise<ReadonlyMap<string, KubeObject | null>> {
  return new Map([...(await observeNamespacesFirst(client, refs, known)), ...(known ?? [])]);
}

/**
 * Reads what planning a release needs: its inventory (authenticated with the bastion's key when
 * there is a journal) and whether its holder still runs, every object desired, journaled or listed by
 * a usable inventory (but those `known`), and the contents of any Namespace it may delete.
 * Namespaces and cluster-scoped objects are read first, and nothing in an absent Namespace is read
 * (namespaces-first.ts). Reads only.
 */
export async function observeRelease(client: ClusterClient, release: { name: string; namespace: string }, wanted: ReleaseWanted): Promise<ObservedRelease> {
  const { desired, ensure, journals } = wanted;
  const journal = journals.release;
  const entries = journal?.entries();
  const inventoryAt = inventoryRef(release.name, release.namespace);
  const observedAt = wanted.now();
  const { known, inventory: writtenInventory } = splitInventory(
    await withNamespacesFirst(client, [inventoryAt, ...refsToObserve(desired, ensure, undefined, entries)], wanted.known),
    refKey(inventoryAt),
  );
  const unknown = (refs: ReturnType<typeof refsToObserve>): ReturnType<typeof refsToObserve> => refs.filter((r) => !known?.has(refKey(r)));
  // The inventory is read together with every object the pass knows it needs (desired, ensured,
  // journaled); only what the inventory alone lists takes a second round trip.
  const [inventoryObject, knownLive] = await Promise.all([
    writtenInventory !== undefined ? writtenInventory : readObject(client, inventoryAt),
    readObjects(client, unknown(refsToObserve(desired, ensure, undefined, entries))),
  ]);
  const found = readInventory(inventoryObject, journal?.inventoryKey());
  const seen = new Map([...(known ?? []), ...knownLive]);
  const refs = refsToObserve(desired, ensure, found.record, entries);
  const live = new Map([
    ...seen,
    ...(await readObjects(
      client,
      refs.filter((r) => !seen.has(refKey(r))),
    )),
  ]);
  // Only a Namespace the release may have written can be deleted (planObjects prunes `previous` alone):
  // the release namespace, a prerequisite that is never deleted, is not listed on every pass.
  const inspect = namespacesToInspect(desired, releaseRefs(found.record, entries)).filter(
    (n) => live.get(objectKey({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } })) !== null,
  );
  const observed: ObservedRelease = {
    inventory: found.record,
    inventoryVersion: versionOf(inventoryObject),
    live,
    observedAt,
    namespaceContents: await listContentsOf(client, inspect),
  };
  const running = holderRunning(found.record?.hold);
  if (running !== undefined) observed.holderRunning = running;
  if (entries !== undefined) observed.journal = entries;
  if (found.warning !== undefined) observed.inventoryWarning = found.warning;
  return observed;
}
