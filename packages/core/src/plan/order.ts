import type { KubeObject } from '../kube/object.js';

const APPLY_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'Endpoints',
  'Deployment',
  'DaemonSet',
  'StatefulSet',
  'Job',
];

function rank(kind: string): number {
  const i = APPLY_ORDER.indexOf(kind);
  return i === -1 ? APPLY_ORDER.length : i;
}

type Sortable = Pick<KubeObject, 'kind' | 'metadata'>;

/** Dependency order for applying: namespaces, CRDs, accounts, RBAC, config, services, workloads. */
export function compareForApply(a: Sortable, b: Sortable): number {
  return (
    rank(a.kind) - rank(b.kind) ||
    a.kind.localeCompare(b.kind) ||
    (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}

/** Objects in apply order (a new array; deterministic). */
export function sortForApply<T extends Sortable>(objects: readonly T[]): T[] {
  return [...objects].sort(compareForApply);
}

/** Objects in delete order: the reverse of apply order. */
export function sortForDelete<T extends Sortable>(objects: readonly T[]): T[] {
  return [...objects].sort((a, b) => compareForApply(b, a));
}
