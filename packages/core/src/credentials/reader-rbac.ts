import type { KubeObject } from '../kube/object.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../kube/object.js';

/** Label value (meshd.io/component) of the objects behind a minted Pilot credential. */
export const CREDENTIALS_COMPONENT = 'credentials';

/** One RBAC rule (rbac.authorization.k8s.io/v1 PolicyRule), read-only verbs. */
export interface ReaderRule {
  apiGroups: string[];
  resources: string[];
  verbs: ('get' | 'list' | 'watch')[];
  resourceNames?: string[];
}

/**
 * Exactly what Pilot reads from a cluster in its registry: pods, services, endpoints, nodes and
 * namespaces (core), and EndpointSlices — get/list/watch, nothing else (no Secrets, no writes).
 */
export const PILOT_READ_RULES: readonly ReaderRule[] = [
  { apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
];

/** Where the reader lives and what it may read beyond PILOT_READ_RULES. */
export interface ReaderSettings {
  serviceAccount: string;
  namespace: string;
  rules: readonly ReaderRule[];
}

/** Labels of every credential object meshd writes. */
export function credentialLabels(): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, 'meshd.io/component': CREDENTIALS_COMPONENT };
}

/**
 * Pure: the reader's ServiceAccount, its ClusterRole (PILOT_READ_RULES plus `rules`) and the
 * ClusterRoleBinding between them, all named after the ServiceAccount. Applied and pruned like any
 * object meshd owns (journal owner `credentials`).
 */
export function readerObjects(s: ReaderSettings): KubeObject[] {
  const labels = credentialLabels();
  const rules = [...PILOT_READ_RULES, ...s.rules].map((r) => ({ ...r, apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] }));
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: s.serviceAccount, namespace: s.namespace, labels } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: s.serviceAccount, labels }, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: s.serviceAccount, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: s.serviceAccount },
      subjects: [{ kind: 'ServiceAccount', name: s.serviceAccount, namespace: s.namespace }],
    },
  ];
}
