import type { ClusterClient } from '../cluster/client.js';
import { readObjects } from '../kube/io.js';
import type { KubeObject } from '../kube/object.js';
import type { ObjectRef } from '../kube/object.js';
import { refKey, refOf } from '../kube/object.js';
import { MULTICLUSTER_SECRET_LABEL, REGISTRY_COMPONENT, REGISTRY_COMPONENT_LABEL } from './desired.js';
import type { RegistryMode } from './desired.js';

/** What the control plane holds of the registry right now. */
export interface ObservedRegistry {
  /** Registry objects carrying meshd's registry label (any mode), as live. */
  owned: KubeObject[];
  /** Secrets mode: every Secret labelled istio/multiCluster in the namespace (Pilot reads them all). */
  multicluster?: KubeObject[];
}

function asKubeObject(kind: 'ConfigMap' | 'Secret', item: unknown): KubeObject {
  return { ...(item as KubeObject), apiVersion: 'v1', kind };
}

/**
 * Lists the registry objects carrying meshd's label on the control plane (two list requests, no
 * writes), and in secrets mode every Secret labelled istio/multiCluster (a third). What it returns
 * is compared with what meshd publishes, never read as a source of clusters or kubeconfigs.
 */
export async function observeRegistry(cp: ClusterClient, namespace: string, mode: RegistryMode = 'configmap'): Promise<ObservedRegistry> {
  const labelSelector = `${REGISTRY_COMPONENT_LABEL}=${REGISTRY_COMPONENT}`;
  const [cms, secrets, multicluster] = await Promise.all([
    cp.core.listNamespacedConfigMap({ namespace, labelSelector }),
    cp.core.listNamespacedSecret({ namespace, labelSelector }),
    mode === 'secrets' ? cp.core.listNamespacedSecret({ namespace, labelSelector: MULTICLUSTER_SECRET_LABEL }) : undefined,
  ]);
  const observed: ObservedRegistry = {
    owned: [...cms.items.map((i) => asKubeObject('ConfigMap', i)), ...secrets.items.map((i) => asKubeObject('Secret', i))],
  };
  if (multicluster) observed.multicluster = multicluster.items.map((i) => asKubeObject('Secret', i));
  return observed;
}

/**
 * Reads what planObjects needs: the desired names (conflicts) and everything owned (prune). A desired
 * object the observation already lists as owned is taken from it, not read again (the listed one is
 * what the plan compared against before too): only names meshd does not own yet cost a GET.
 */
export async function observeRegistryLive(
  cp: ClusterClient,
  desired: readonly KubeObject[],
  observed: ObservedRegistry,
  known?: ReadonlySet<string>,
): Promise<{ live: Map<string, KubeObject | null>; previous: ObjectRef[] }> {
  // Only what meshd published may be pruned: registry Secrets named after a cluster meshd knows.
  const previous = observed.owned.filter((o) => o.kind !== 'Secret' || known === undefined || known.has(o.metadata.name)).map(refOf);
  const owned = new Map(observed.owned.map((obj) => [refKey(refOf(obj)), obj]));
  const live = await readObjects(
    cp,
    desired.map(refOf).filter((ref) => !owned.has(refKey(ref))),
  );
  for (const [key, obj] of owned) live.set(key, obj);
  return { live, previous };
}
