import type { ClusterClient } from '../cluster/client.js';
import type { KubeObject } from './object.js';

/** One object found in a namespace (what judging the namespace's deletion needs). */
export type NamespaceItem = Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>;

/** The kinds whose presence in a namespace keeps meshd from deleting it. */
const CONTENT_KINDS: readonly (readonly [string, string])[] = [
  ['v1', 'ConfigMap'],
  ['v1', 'Secret'],
  ['v1', 'Service'],
  ['v1', 'ServiceAccount'],
  ['v1', 'Pod'],
  ['apps/v1', 'Deployment'],
];

/** What Kubernetes itself puts in every namespace: not a reason to keep one. */
function isClusterDefault(item: NamespaceItem & { type?: string | undefined }): boolean {
  if (item.kind === 'ServiceAccount') return item.metadata.name === 'default';
  if (item.kind === 'ConfigMap') return item.metadata.name === 'kube-root-ca.crt';
  if (item.kind === 'Secret') {
    const sa = item.metadata.annotations?.['kubernetes.io/service-account.name'];
    return sa === 'default' && item.type === 'kubernetes.io/service-account-token';
  }
  return false;
}

/**
 * Lists what one namespace holds (ConfigMaps, Secrets, Services, ServiceAccounts, Pods, Deployments),
 * minus what Kubernetes puts in every namespace (the `default` ServiceAccount and its token, the
 * `kube-root-ca.crt` ConfigMap): the input planObjects needs before deleting a Namespace. Reads only;
 * errors propagate (a namespace whose contents cannot be listed is never deleted).
 */
export async function listNamespaceContents(client: ClusterClient, namespace: string): Promise<NamespaceItem[]> {
  const lists = await Promise.all(
    CONTENT_KINDS.map(async ([apiVersion, kind]) => {
      const list = await client.objects.list(apiVersion, kind, { namespace });
      return list.items.map((o) => ({
        apiVersion,
        kind,
        metadata: { ...o.metadata, name: o.metadata?.name ?? '', namespace },
        type: (o as { type?: string }).type,
      }));
    }),
  );
  return lists.flat().filter((i) => !isClusterDefault(i));
}

/** The contents of every namespace named (for planObjects' `namespaceContents`); absent namespaces are skipped. */
export async function listContentsOf(client: ClusterClient, namespaces: Iterable<string>): Promise<Map<string, NamespaceItem[]>> {
  const names = [...new Set(namespaces)].sort();
  return new Map(await Promise.all(names.map(async (n) => [n, await listNamespaceContents(client, n)] as const)));
}
