// Write requests a tool made to real test clusters, from each kube-apiserver's
// apiserver_request_total: write verbs on the resources meshd and the manual script write, status
// subresources left out (those are kube-controller-manager's), counted once the clusters settled
// (@meshd/testenv's settledWrites, which the integration tests use too).
import type { ClusterHandle } from '@meshd/testenv';
import { MESHD_RESOURCES, settledWrites as settled } from '@meshd/testenv';

/** Waits until no cluster's count of writes to MESHD_RESOURCES (no subresource) moved for `quietMs`, then returns the counts. */
export function settledWrites(clusters: readonly ClusterHandle[], quietMs = 1500, timeoutMs = 60_000): Promise<number[]> {
  return settled(clusters, { filter: { resources: [...MESHD_RESOURCES], subresources: [''] }, quietMs, timeoutMs });
}

/** Sum of per-cluster differences. */
export function totalDelta(before: readonly number[], after: readonly number[]): number {
  return after.reduce((sum, n, i) => sum + n - (before[i] ?? 0), 0);
}
