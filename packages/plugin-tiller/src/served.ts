import type { ClusterTarget, ComponentPlan } from '@meshd/core';
import type { UnservedObject } from '@meshd/core/plan';

/**
 * Pure: what meshd says before calling Tiller when the cluster cannot accept some rendered objects
 * (Tiller would refuse the whole install at once): which objects, and that the helm-template backend
 * with compat.convertRemovedApis can install the chart.
 */
export function unservedBeforeTiller(cluster: string, unserved: readonly UnservedObject[]): string {
  const objects = unserved.map((u) => u.message.replace(/; (enable compat|install what serves).*$/, '')).join('; ');
  return `${cluster} cannot accept ${unserved.length} object(s) of this chart, so Tiller would refuse the whole release: ${objects}. Tiller was not called. Install this chart with the helm-template backend and compat.convertRemovedApis: true (clusters.${cluster}.backend: helm-template), or use a chart made for this Kubernetes version`;
}

/** The plan of a Tiller release that must not be attempted: parked (terminal) with its code until the chart or the cluster changes. */
export function unservedTillerPlan(component: string, target: Pick<ClusterTarget, 'name'>, unserved: readonly UnservedObject[]): ComponentPlan<undefined> {
  const error = unservedBeforeTiller(target.name, unserved);
  return {
    component,
    cluster: target.name,
    state: 'failed',
    reason: 'the cluster does not serve every API version the chart uses',
    error,
    errorCode: 'MESHD_ERR_UNSERVED_API',
    changes: [],
    work: undefined,
  };
}
