import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';

/** How the registry is published: the guide's ConfigMap, or one Secret per remote (0.8.0 and 1.x). */
export type RegistryMode = 'configmap' | 'secrets';

/** Label on every registry object meshd writes (so a pass can list them, whatever the mode). */
export const REGISTRY_COMPONENT_LABEL = 'meshd.io/component';
/** Value of REGISTRY_COMPONENT_LABEL on registry objects. */
export const REGISTRY_COMPONENT = 'registry';
/** Name of the guide's registry ConfigMap. */
export const REGISTRY_CONFIGMAP = 'multicluster';
/** Label Istio's Pilot selects remote-cluster Secrets by. */
export const MULTICLUSTER_SECRET_LABEL = 'istio/multiCluster';
/** Annotations that let meshd read a Secret-mode entry back (last good version, removals). */
export const DESCRIPTOR_FILE_ANNOTATION = 'meshd.io/descriptor-file';
export const DESCRIPTOR_ANNOTATION = 'meshd.io/descriptor';
export const ACCESS_CONFIG_FILE_ANNOTATION = 'meshd.io/access-config-file';

/** One cluster as the registry publishes it. */
export interface PublishedCluster {
  name: string;
  role: 'control-plane' | 'remote';
  /** Descriptor file name and that cluster's document text. */
  file: string;
  descriptorText: string;
  accessConfigFile: string;
  kubeconfigText: string;
}

function labels(extra: Record<string, string> = {}): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [REGISTRY_COMPONENT_LABEL]: REGISTRY_COMPONENT, ...extra };
}

/** Pure: the guide's ConfigMap: one key per file (descriptors and the kubeconfigs they name). */
export function registryConfigMap(namespace: string, files: Readonly<Record<string, string>>): KubeObject {
  const data: Record<string, string> = {};
  for (const name of Object.keys(files).sort()) data[name] = files[name] ?? '';
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: REGISTRY_CONFIGMAP, namespace, labels: labels() }, data };
}

/** Pure: the Secret Pilot 0.8.0 reads for one remote: data key = Secret name = cluster ID. */
export function registrySecret(namespace: string, cluster: PublishedCluster): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: cluster.name,
      namespace,
      labels: labels({ [MULTICLUSTER_SECRET_LABEL]: 'true' }),
      annotations: {
        [DESCRIPTOR_FILE_ANNOTATION]: cluster.file,
        [ACCESS_CONFIG_FILE_ANNOTATION]: cluster.accessConfigFile,
        [DESCRIPTOR_ANNOTATION]: cluster.descriptorText,
      },
    },
    data: { [cluster.name]: Buffer.from(cluster.kubeconfigText, 'utf8').toString('base64') },
  };
}

/** Pure: every registry object for a mode. `files` is what the ConfigMap mode publishes. */
export function registryObjects(
  mode: RegistryMode,
  namespace: string,
  clusters: readonly PublishedCluster[],
  files: Readonly<Record<string, string>>,
): KubeObject[] {
  if (mode === 'configmap') return [registryConfigMap(namespace, files)];
  return clusters.filter((c) => c.role === 'remote').map((c) => registrySecret(namespace, c));
}
