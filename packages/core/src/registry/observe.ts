import type { ClusterClient } from '../cluster/client.js';
import { readObjects } from '../kube/io.js';
import type { KubeObject } from '../kube/object.js';
import type { ObjectRef } from '../plan/objects.js';
import { refKey, refOf } from '../plan/objects.js';
import { REGISTRY_COMPONENT, REGISTRY_COMPONENT_LABEL } from './desired.js';

/** What the control plane holds of the registry right now. */
export interface ObservedRegistry {
  /** Registry objects meshd wrote (any mode), as live. */
  owned: KubeObject[];
}

function asKubeObject(kind: 'ConfigMap' | 'Secret', item: unknown): KubeObject {
  return { ...(item as KubeObject), apiVersion: 'v1', kind };
}

/** Lists every registry object meshd wrote on the control plane (two list requests, no writes). */
export async function observeRegistry(cp: ClusterClient, namespace: string): Promise<ObservedRegistry> {
  const labelSelector = `${REGISTRY_COMPONENT_LABEL}=${REGISTRY_COMPONENT}`;
  const [cms, secrets] = await Promise.all([
    cp.core.listNamespacedConfigMap({ namespace, labelSelector }),
    cp.core.listNamespacedSecret({ namespace, labelSelector }),
  ]);
  return {
    owned: [...cms.items.map((i) => asKubeObject('ConfigMap', i)), ...secrets.items.map((i) => asKubeObject('Secret', i))],
  };
}

/** Reads what planObjects needs: the desired names (conflicts) and everything owned (prune). */
export async function observeRegistryLive(cp: ClusterClient, desired: readonly KubeObject[], observed: ObservedRegistry): Promise<{ live: Map<string, KubeObject | null>; previous: ObjectRef[] }> {
  const previous = observed.owned.map(refOf);
  const live = await readObjects(cp, desired.map(refOf));
  for (const obj of observed.owned) {
    live.set(refKey(refOf(obj)), obj);
  }
  return { live, previous };
}
