import type { ClusterClient } from '../cluster/client.js';
import { readObjects } from '../kube/io.js';
import { refKey } from '../kube/object.js';
import type { KubeObject, ObjectRef } from '../kube/object.js';

/** The reference of the Namespace called `name`. */
function namespaceRef(name: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'Namespace', name };
}

/**
 * Pure: what an observation reads before anything else: the Namespace of every namespaced ref, and
 * every ref that is not namespaced (Namespaces themselves, cluster roles…). Deduplicated, in order.
 */
export function namespacesFirstReads(refs: readonly ObjectRef[]): ObjectRef[] {
  const reads = refs.flatMap((r) => (r.namespace === undefined ? [r] : [namespaceRef(r.namespace)]));
  return [...new Map(reads.map((r) => [refKey(r), r])).values()];
}

/**
 * Pure: the namespaced refs known absent without a read of their own, as null: those whose Namespace
 * `live` holds as absent (null). Kubernetes removes a Namespace only once it is empty and creates
 * nothing in a Namespace that does not exist (its NamespaceLifecycle admission), so nothing is in one
 * the server answers 404 for.
 */
export function absentWithTheirNamespace(refs: readonly ObjectRef[], live: ReadonlyMap<string, KubeObject | null>): Map<string, null> {
  const absent = new Map<string, null>();
  for (const ref of refs) {
    if (ref.namespace !== undefined && live.get(refKey(namespaceRef(ref.namespace))) === null) absent.set(refKey(ref), null);
  }
  return absent;
}

/**
 * Reads a release's Namespaces and cluster-scoped objects (of `refs`) first, in one round trip, so
 * that nothing in a Namespace that does not exist is read at all: from empty (a cluster meshd meets
 * for the first time, or one whose istio-system was deleted behind its back) the istio-remote
 * release's reads in istio-system and its inventory's are not sent (124 → 104 requests for a
 * one-shot `apply` on 3 clusters). A converged cluster is read as before, in the same time: with
 * MAX_REQUESTS_PER_CLUSTER in flight, the reads inside the Namespace queued behind the first ones
 * anyway (bench/RESULTS.md, issue 17). Returns what it read or inferred (objects `known` already holds
 * are neither read nor returned); the caller reads the rest.
 */
export async function observeNamespacesFirst(
  client: ClusterClient,
  refs: readonly ObjectRef[],
  known: ReadonlyMap<string, KubeObject | null> | undefined,
): Promise<Map<string, KubeObject | null>> {
  const read = await readObjects(
    client,
    namespacesFirstReads(refs).filter((r) => !known?.has(refKey(r))),
  );
  const seen = new Map([...(known ?? []), ...read]);
  return new Map([...read, ...absentWithTheirNamespace(refs, seen)]);
}
