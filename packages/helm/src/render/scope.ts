/**
 * Kinds that live outside any namespace. A rendered object of one of these kinds keeps no
 * namespace; every other kind is namespaced and, when the chart leaves metadata.namespace empty,
 * lands in the release namespace (as `helm install` would put it). Kinds of custom resources are
 * unknown here and treated as namespaced: charts that ship cluster-scoped custom resources must
 * leave their namespace out and are applied where the API server says.
 */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/** True when objects of `kind` have no namespace (see CLUSTER_SCOPED_KINDS). */
export function isClusterScoped(kind: string): boolean {
  return CLUSTER_SCOPED_KINDS.has(kind);
}
