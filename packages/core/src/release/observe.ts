import type { ClusterClient } from '../cluster/client.js';
import { readObject, readObjects } from '../kube/io.js';
import { listContentsOf } from '../kube/namespace-contents.js';
import { objectKey, refKey } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import type { ObjectJournal } from '../plugin/types.js';
import { PREREQUISITES_OWNER, releaseOwner } from './execute.js';
import type { ReleaseJournals } from './execute.js';
import { readInventory } from './inventory.js';
import type { ReleaseGuards } from './plan.js';
import { inventoryRef, namespacesToInspect, refsToObserve, releaseRefs } from './plan.js';
import type { InventoryRecord } from './state.js';

/** What a pass observed of a release on one cluster: everything planRelease / planUninstall take. */
export interface ObservedRelease extends ReleaseGuards {
  inventory: InventoryRecord | undefined;
  live: Map<string, KubeObject | null>;
  journals: ReleaseJournals;
}

/** What a release wants on a cluster (nothing, for an uninstall) and the journals it writes. */
export interface ReleaseWanted {
  desired: readonly KubeObject[];
  ensure: readonly KubeObject[];
  journals: ReleaseJournals;
}

/** The release's journals on a cluster (none without a state directory). */
export function releaseJournals(journal: ((owner: string) => ObjectJournal) | undefined, release: string): ReleaseJournals {
  return journal ? { release: journal(releaseOwner(release)), prerequisites: journal(PREREQUISITES_OWNER) } : {};
}

/**
 * Reads what planning a release needs: its inventory (authenticated with the bastion's key when
 * there is a journal), every object desired, journaled or listed by a usable inventory, and the
 * contents of any Namespace it may delete. Reads only.
 */
export async function observeRelease(client: ClusterClient, release: { name: string; namespace: string }, wanted: ReleaseWanted): Promise<ObservedRelease> {
  const { desired, ensure, journals } = wanted;
  const journal = journals.release;
  const entries = journal?.entries();
  // The inventory is read together with every object the pass knows it needs (desired, ensured,
  // journaled); only what the inventory alone lists takes a second round trip.
  const [inventoryObject, knownLive] = await Promise.all([
    readObject(client, inventoryRef(release.name, release.namespace)),
    readObjects(client, refsToObserve(desired, ensure, undefined, entries)),
  ]);
  const found = readInventory(inventoryObject, journal?.inventoryKey());
  const refs = refsToObserve(desired, ensure, found.record, entries);
  const live = new Map([
    ...knownLive,
    ...(await readObjects(
      client,
      refs.filter((r) => !knownLive.has(refKey(r))),
    )),
  ]);
  // Only a Namespace the release may have written can be deleted (planObjects prunes `previous` alone):
  // the release namespace, a prerequisite that is never deleted, is not listed on every pass.
  const inspect = namespacesToInspect(desired, releaseRefs(found.record, entries)).filter(
    (n) => live.get(objectKey({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } })) !== null,
  );
  const observed: ObservedRelease = { inventory: found.record, live, journals, namespaceContents: await listContentsOf(client, inspect) };
  if (entries !== undefined) observed.journal = entries;
  if (found.warning !== undefined) observed.inventoryWarning = found.warning;
  return observed;
}
