import type { ClusterHandle } from './cluster.js';
import type { RequestFilter } from './metrics.js';

/** Resources meshd writes (and the guide's script); kube-controller-manager's own leases, events, pods and replicasets are left out. */
export const MESHD_RESOURCES: string[] = [
  'configmaps',
  'secrets',
  'services',
  'endpoints',
  'serviceaccounts',
  'clusterroles',
  'clusterrolebindings',
  'deployments',
  'namespaces',
];

/** What settledWrites counts and how long it waits. */
export interface SettleOptions {
  /** The write requests counted; default every write verb on MESHD_RESOURCES (subresources included). */
  filter?: RequestFilter;
  /** No count moved for this long: settled. Default 1.5 s. */
  quietMs?: number;
  /** Throws when the clusters still write after this long. Default 30 s. */
  timeoutMs?: number;
}

/** Write requests on every cluster now (apiserver_request_total of each kube-apiserver), by `filter` (default: MESHD_RESOURCES). */
export async function writesOn(clusters: readonly ClusterHandle[], filter: RequestFilter = { resources: [...MESHD_RESOURCES] }): Promise<number[]> {
  return Promise.all(clusters.map((c) => c.writeRequestCount(filter)));
}

/**
 * Waits until the clusters' controllers stop writing (after a namespace is created,
 * kube-controller-manager adds its default ServiceAccount and root-CA ConfigMap; a new Deployment
 * gets status updates), so a following delta counts the tool's writes only; returns the counts.
 */
export async function settledWrites(clusters: readonly ClusterHandle[], options: SettleOptions = {}): Promise<number[]> {
  const { filter, quietMs = 1500, timeoutMs = 30_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let last = await writesOn(clusters, filter);
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await writesOn(clusters, filter);
    if (now.every((n, i) => n === last[i])) return now;
    if (Date.now() > deadline) throw new Error(`clusters kept writing: ${last.join(',')} → ${now.join(',')}`);
    last = now;
  }
}
