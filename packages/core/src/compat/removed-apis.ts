/**
 * API versions charts of the Kubernetes 1.7–1.11 era used and that later releases stopped serving,
 * from the Kubernetes deprecated API migration guide: apiVersion → kinds → the release that removed
 * them and what replaced them. Pure data: the served check names the release in its hint, the
 * converter (convert.ts) writes the replacement.
 */
export interface RemovedApi {
  /** Kubernetes minor release that stopped serving it, e.g. `1.16`. */
  removedIn: string;
  /** The apiVersion that replaced it. */
  replacement: string;
}

const WORKLOADS = ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet'];
const RBAC = ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];

function entries(apiVersion: string, kinds: readonly string[], removedIn: string, replacement: string): [string, RemovedApi][] {
  return kinds.map((kind) => [`${apiVersion}/${kind}`, { removedIn, replacement }]);
}

const TABLE = new Map<string, RemovedApi>([
  ...entries('extensions/v1beta1', WORKLOADS, '1.16', 'apps/v1'),
  ...entries('apps/v1beta1', WORKLOADS, '1.16', 'apps/v1'),
  ...entries('apps/v1beta2', WORKLOADS, '1.16', 'apps/v1'),
  ...entries('extensions/v1beta1', ['NetworkPolicy'], '1.16', 'networking.k8s.io/v1'),
  ...entries('extensions/v1beta1', ['PodSecurityPolicy'], '1.16', 'policy/v1beta1'),
  ...entries('extensions/v1beta1', ['Ingress'], '1.22', 'networking.k8s.io/v1'),
  ...entries('networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], '1.22', 'networking.k8s.io/v1'),
  ...entries('rbac.authorization.k8s.io/v1alpha1', RBAC, '1.22', 'rbac.authorization.k8s.io/v1'),
  ...entries('rbac.authorization.k8s.io/v1beta1', RBAC, '1.22', 'rbac.authorization.k8s.io/v1'),
  ...entries(
    'admissionregistration.k8s.io/v1beta1',
    ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    '1.22',
    'admissionregistration.k8s.io/v1',
  ),
  ...entries('apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], '1.22', 'apiextensions.k8s.io/v1'),
  ...entries('scheduling.k8s.io/v1beta1', ['PriorityClass'], '1.22', 'scheduling.k8s.io/v1'),
  ...entries('policy/v1beta1', ['PodDisruptionBudget'], '1.25', 'policy/v1'),
  ...entries('policy/v1beta1', ['PodSecurityPolicy'], '1.25', ''),
  ...entries('batch/v1beta1', ['CronJob'], '1.25', 'batch/v1'),
  ...entries('autoscaling/v2beta1', ['HorizontalPodAutoscaler'], '1.25', 'autoscaling/v2'),
  ...entries('autoscaling/v2beta2', ['HorizontalPodAutoscaler'], '1.26', 'autoscaling/v2'),
]);

/** Pure: when and by what `apiVersion`/`kind` was removed, or undefined when it is not a known removal. */
export function removedApi(apiVersion: string, kind: string): RemovedApi | undefined {
  return TABLE.get(`${apiVersion}/${kind}`);
}
