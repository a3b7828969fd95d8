import { readObjects, refKey, refOf } from '@meshd/core/kube';
import type { ClusterClient } from '@meshd/core/cluster';
import type { KubeObject, ObjectRef } from '@meshd/core/kube';
import type { TillerLocation } from './helm2/location.js';

/** Name of Tiller's ServiceAccount and of its ClusterRoleBinding (Istio's helm-service-account.yaml). */
export const TILLER_ACCOUNT = 'tiller';

/** Name of the Deployment `helm init` creates for an in-cluster Tiller. */
export const TILLER_DEPLOYMENT = 'tiller-deploy';

/** Pure: ServiceAccount `tiller` in Tiller's namespace and ClusterRoleBinding `tiller` to cluster-admin. */
export function tillerPrerequisites(namespace: string): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: TILLER_ACCOUNT, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: TILLER_ACCOUNT },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: TILLER_ACCOUNT, namespace }],
    },
  ];
}

/** The reference of the in-cluster Tiller Deployment. */
export function tillerDeploymentRef(namespace: string): ObjectRef {
  return { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: TILLER_DEPLOYMENT };
}

/** Tiller's prerequisites as observed (only when config `tiller.ensure` is on). */
export interface ObservedPrerequisites {
  objects: KubeObject[];
  live: ReadonlyMap<string, KubeObject | null>;
  /** Whether Deployment tiller-deploy exists; undefined with a tillerHost (Tiller runs elsewhere). */
  tillerDeployed: boolean | undefined;
}

/** Reads the prerequisites (and, without a tillerHost, Deployment tiller-deploy) through the API server. */
export async function observePrerequisites(client: ClusterClient, location: TillerLocation): Promise<ObservedPrerequisites> {
  const objects = tillerPrerequisites(location.namespace);
  const deployment = tillerDeploymentRef(location.namespace);
  const refs = location.host === undefined ? [...objects.map(refOf), deployment] : objects.map(refOf);
  const live = await readObjects(client, refs);
  const tillerDeployed = location.host === undefined ? (live.get(refKey(deployment)) ?? null) !== null : undefined;
  return { objects, live, tillerDeployed };
}
