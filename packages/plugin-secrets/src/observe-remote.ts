import { isNotFound } from '@meshd/core/cluster';
import { objectKey, readObjects, refKey, refOf } from '@meshd/core/kube';
import type { ClusterClient } from '@meshd/core/cluster';
import type { KubeObject, ObjectRef } from '@meshd/core/kube';
import type { V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { OWNED_COPIES_SELECTOR } from './metadata.js';
import type { NamespaceState, ObservedRemote } from './plan.js';

function asKubeObject(item: V1Secret): KubeObject {
  const obj: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: metadataOf(item.metadata ?? {}) };
  if (item.type !== undefined) obj.type = item.type;
  if (item.data !== undefined) obj.data = item.data;
  return obj;
}

/** The metadata meshd compares of a listed Secret: name, namespace, UID (ownership by identity), labels, annotations. */
function metadataOf(m: V1ObjectMeta): KubeObject['metadata'] {
  const metadata: KubeObject['metadata'] = { name: m.name ?? '', namespace: m.namespace ?? '' };
  // The UID is what the journal compares (ownership by identity).
  if (m.uid !== undefined) metadata.uid = m.uid;
  if (m.labels) metadata.labels = m.labels;
  if (m.annotations) metadata.annotations = m.annotations;
  return metadata;
}

/** Every copy meshd owns on a cluster: one list request across namespaces, by label. */
export async function listOwnedCopies(client: ClusterClient): Promise<KubeObject[]> {
  const list = await client.core.listSecretForAllNamespaces({ labelSelector: OWNED_COPIES_SELECTOR });
  return list.items.map(asKubeObject);
}

async function namespaceState(client: ClusterClient, name: string): Promise<NamespaceState> {
  try {
    const ns = await client.core.readNamespace({ name });
    return ns.status?.phase === 'Terminating' || ns.metadata?.deletionTimestamp !== undefined ? 'terminating' : 'present';
  } catch (err) {
    if (isNotFound(err)) return 'missing';
    throw err;
  }
}

/**
 * Observes a remote for the given desired copies: lists the copies meshd owns, then reads only what
 * the list did not answer (desired copies not found among them, to see same-named secrets meshd does
 * not own, and their namespaces; `journaled` objects, to settle the journal). In steady state that is
 * one request. `listed`: the list of owned copies when the caller started it already. Reads only.
 */
export async function observeRemote(
  client: ClusterClient,
  desired: readonly KubeObject[],
  journaled: readonly ObjectRef[] = [],
  listed: Promise<KubeObject[]> = listOwnedCopies(client),
): Promise<ObservedRemote> {
  const owned = await listed;
  const live = new Map<string, KubeObject | null>(owned.map((o) => [objectKey(o), o]));
  const unanswered = desired.filter((d) => !live.has(objectKey(d)));
  const namespaceNames = [...new Set(unanswered.map((d) => d.metadata.namespace ?? ''))].sort();
  const unread = [...unanswered.map(refOf), ...journaled.filter((r) => !live.has(refKey(r)))];
  const [read, states] = await Promise.all([
    readObjects(client, unread),
    Promise.all(namespaceNames.map(async (n) => [n, await namespaceState(client, n)] as const)),
  ]);
  for (const [key, obj] of read) live.set(key, obj);
  return { owned, live, namespaces: new Map(states) };
}
