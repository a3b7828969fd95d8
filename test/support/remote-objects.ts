// Test support: what meshd left on a remote, as a user would check it with kubectl: the release
// inventory (ConfigMap meshd-release-istio-remote in istio-system) and every object labelled
// app.kubernetes.io/managed-by=meshd.
import { Watch } from '@kubernetes/client-node';
import type { ClusterHandle } from '@meshd/testenv';
import { CREDENTIALS_COMPONENT } from '@meshd/core/credentials';
import { clientOf } from './mesh.js';

/** The kinds a release or meshd's plugins can write on a remote. */
const KINDS: readonly (readonly [string, string])[] = [
  ['v1', 'Namespace'],
  ['v1', 'ServiceAccount'],
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'Service'],
  ['v1', 'Endpoints'],
  ['apps/v1', 'Deployment'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'Role'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding'],
];

/** `Kind namespace/name` (or `Kind name` for cluster-scoped objects). */
export type ObjectKey = string;

const keyOf = (kind: string, name: string, namespace?: string): ObjectKey => `${kind} ${namespace ? `${namespace}/` : ''}${name}`;

/** The release inventory meshd keeps on a remote. */
export interface ReleaseInventory {
  phase: string;
  hash: string;
  objects: ObjectKey[];
}

/** Reads the inventory of release `release` in istio-system; undefined when there is none. */
export async function releaseInventory(cluster: ClusterHandle, release = 'istio-remote'): Promise<ReleaseInventory | undefined> {
  try {
    const cm = await clientOf(cluster).core.readNamespacedConfigMap({ name: `meshd-release-${release}`, namespace: 'istio-system' });
    const refs = JSON.parse(cm.data?.objects ?? '[]') as { kind: string; name: string; namespace?: string }[];
    return { phase: cm.data?.phase ?? '', hash: cm.data?.hash ?? '', objects: refs.map((r) => keyOf(r.kind, r.name, r.namespace)) };
  } catch {
    return undefined;
  }
}

/** One object labelled managed-by=meshd. */
export interface OwnedObject {
  key: ObjectKey;
  labels: Record<string, string>;
}

/** Every object on the cluster labelled app.kubernetes.io/managed-by=meshd, sorted by key. */
export async function meshdOwnedObjects(cluster: ClusterHandle): Promise<OwnedObject[]> {
  const client = clientOf(cluster);
  const lists = await Promise.all(
    KINDS.map(async ([apiVersion, kind]) => {
      const list = await client.objects.list(apiVersion, kind, { labelSelector: 'app.kubernetes.io/managed-by=meshd' });
      return list.items.map((o) => ({ key: keyOf(kind, o.metadata?.name ?? '', o.metadata?.namespace), labels: o.metadata?.labels ?? {} }));
    }),
  );
  return lists.flat().sort((a, b) => a.key.localeCompare(b.key));
}

/** Release objects: owned objects that are neither an inventory, a secret copy of the secrets plugin, nor a minted Pilot credential's reader objects. */
export function releaseObjects(owned: readonly OwnedObject[]): ObjectKey[] {
  const others = new Set(['secrets', CREDENTIALS_COMPONENT]);
  return owned.filter((o) => o.labels['meshd.io/inventory'] !== 'true' && !others.has(o.labels['meshd.io/component'] ?? '')).map((o) => o.key);
}

/** A started watch: `seen` resolves with the first matching event; stop() ends the watch. */
export interface FirstEvent {
  seen: Promise<{ cluster: string; type: string; name: string }>;
  stop(): void;
}

/** Which events firstEvent waits for. */
export interface EventFilter {
  /** Event types (ADDED, MODIFIED, DELETED). */
  types: readonly string[];
  /** Query of the watch request (fieldSelector, labelSelector). */
  query?: Record<string, string>;
  /** Further condition on the object. */
  object?: (obj: unknown) => boolean;
}

/**
 * Watches `path` (an API list path such as /api/v1/namespaces/istio-system/configmaps) on every
 * cluster given and resolves on the first event that passes the filter. Resolves once the watches
 * are established.
 */
export async function firstEvent(clusters: readonly ClusterHandle[], path: string, filter: EventFilter): Promise<FirstEvent> {
  let found: (event: { cluster: string; type: string; name: string }) => void = () => undefined;
  const seen = new Promise<{ cluster: string; type: string; name: string }>((done) => (found = done));
  const controllers = await Promise.all(
    clusters.map((c) =>
      new Watch(c.kubeConfig()).watch(
        path,
        filter.query ?? {},
        (type, obj: { metadata?: { name?: string } }) => {
          if (filter.types.includes(type) && (filter.object?.(obj) ?? true)) found({ cluster: c.name, type, name: obj.metadata?.name ?? '' });
        },
        () => undefined,
      ),
    ),
  );
  return { seen, stop: () => controllers.forEach((c) => c.abort()) };
}
