import type { KubeObject } from '../kube/object.js';

/** What ordering needs of an object. */
export type Sortable = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>;

/**
 * Kinds in the order they are applied: what others refer to comes first (namespaces, CRDs,
 * identities and RBAC, configuration, services, then workloads). Kinds that share a rank are
 * interchangeable; kinds not listed come after all of these.
 */
export const APPLY_ORDER: readonly (readonly string[])[] = [
  ['Namespace'],
  ['CustomResourceDefinition'],
  ['ServiceAccount'],
  ['ClusterRole'],
  ['ClusterRoleBinding'],
  ['Role'],
  ['RoleBinding'],
  ['ConfigMap'],
  ['Secret'],
  ['Service'],
  ['Endpoints'],
  ['Deployment', 'DaemonSet', 'StatefulSet', 'ReplicaSet', 'Job', 'CronJob'],
];

const RANK_OF_KIND: ReadonlyMap<string, number> = new Map(APPLY_ORDER.flatMap((kinds, rank) => kinds.map((kind) => [kind, rank] as const)));
const UNLISTED_RANK = APPLY_ORDER.length;

/** Rank of a kind in APPLY_ORDER (unlisted kinds share the last rank). */
export function applyRank(kind: string): number {
  return RANK_OF_KIND.get(kind) ?? UNLISTED_RANK;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Compares two objects in apply order. */
export function compareForApply(a: Sortable, b: Sortable): number {
  return (
    applyRank(a.kind) - applyRank(b.kind) ||
    compareText(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compareText(a.metadata.name, b.metadata.name) ||
    compareText(a.kind, b.kind) ||
    compareText(a.apiVersion, b.apiVersion)
  );
}

/**
 * A new array of `objects` in the order to apply them: by APPLY_ORDER rank, then namespace, name,
 * kind and apiVersion. Pure and total: the same objects in any input order give the same output.
 */
export function sortForApply<T extends Sortable>(objects: readonly T[]): T[] {
  return [...objects].sort(compareForApply);
}

/** A new array of `objects` in the order to delete them: exactly the reverse of sortForApply. */
export function sortForDelete<T extends Sortable>(objects: readonly T[]): T[] {
  return sortForApply(objects).reverse();
}
