import type { ClusterTarget, MeshEndpoints } from '@meshd/core';
import { mergeValues, resolveValues } from './render/values.js';
import type { ChartValues } from './render/values.js';

/** A cluster's own `clusters.NAME.values`, when it is a mapping. */
function clusterValues(target: Pick<ClusterTarget, 'overrides'>): ChartValues {
  const v = target.overrides.values;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as ChartValues) : {};
}

/**
 * The istio-remote values for one remote, shared by both backends: the endpoint mapping filled with
 * the discovered (or configured) IPs, under the global `values`, deep-merged with the cluster's own
 * `clusters.NAME.values` (so a cluster can set one key of `global` without dropping the others).
 */
export function releaseValues(endpoints: MeshEndpoints, globalValues: ChartValues, target: Pick<ClusterTarget, 'overrides'>): ChartValues {
  return resolveValues({ endpoints: { ...endpoints, mixer: endpoints.policy }, userValues: mergeValues(globalValues, clusterValues(target)) });
}
