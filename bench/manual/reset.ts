// Puts the 3 test clusters back to "nothing installed" between fromEmpty runs, the same way for
// meshd and the manual script: istio-system deleted on every remote (and waited for), the chart's
// cluster-scoped RBAC deleted, istio.default copies deleted, the registry ConfigMap deleted, and
// meshd's minted Pilot credential (reader ServiceAccount, ClusterRole, binding, token Secrets) deleted
// on every cluster: meshd then notices the revoked credential and mints a new one, as from empty.
import { ApiException, CoreV1Api, KubernetesObjectApi, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { ClusterHandle, TestEnv } from '@meshd/testenv';

const CITADEL_RBAC = 'istio-citadel-istio-system';
const READER = 'meshd-pilot-reader';
const CREDENTIAL_OBJECTS = 'meshd.io/component=credentials';

async function ignoreNotFound(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 404)) throw err;
  }
}

async function waitNamespaceGone(core: CoreV1Api, name: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await core.readNamespace({ name });
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return;
      throw err;
    }
    if (Date.now() > deadline) throw new Error(`namespace ${name} still terminating after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function resetRemote(remote: ClusterHandle, secretNamespaces: readonly string[]): Promise<void> {
  const kc = remote.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await ignoreNotFound(core.deleteNamespace({ name: 'istio-system' }));
  await ignoreNotFound(rbac.deleteClusterRole({ name: CITADEL_RBAC }));
  await ignoreNotFound(rbac.deleteClusterRoleBinding({ name: CITADEL_RBAC }));
  await Promise.all(secretNamespaces.map((namespace) => ignoreNotFound(core.deleteNamespacedSecret({ name: 'istio.default', namespace }))));
  await waitNamespaceGone(core, 'istio-system');
}

/** Deletes meshd's minted-credential objects on one cluster (the Pilot reader and its token Secrets). */
async function resetCredential(cluster: ClusterHandle): Promise<void> {
  const kc = cluster.kubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await ignoreNotFound(core.deleteCollectionNamespacedSecret({ namespace: 'istio-system', labelSelector: CREDENTIAL_OBJECTS }));
  await ignoreNotFound(core.deleteNamespacedServiceAccount({ name: READER, namespace: 'istio-system' }));
  await ignoreNotFound(rbac.deleteClusterRoleBinding({ name: READER }));
  await ignoreNotFound(rbac.deleteClusterRole({ name: READER }));
}

/** Removes everything either tool installed; resolves once istio-system is gone from every remote. */
export async function resetMesh(env: TestEnv, secretNamespaces: readonly string[]): Promise<void> {
  const [cp, ...remotes] = env.clusters;
  if (!cp) throw new Error('no clusters');
  const core = cp.kubeConfig().makeApiClient(CoreV1Api);
  await ignoreNotFound(core.deleteNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' }));
  await Promise.all(env.clusters.map(resetCredential));
  await Promise.all(remotes.map((r) => resetRemote(r, secretNamespaces)));
}

/** Objects labelled managed-by=meshd or named like the chart's that are still on a cluster (should be none after a reset). */
export async function leftovers(env: TestEnv): Promise<string[]> {
  const found: string[] = [];
  for (const cluster of env.clusters) {
    const objects = KubernetesObjectApi.makeApiClient(cluster.kubeConfig());
    for (const [apiVersion, kind] of [
      ['v1', 'ConfigMap'],
      ['v1', 'Secret'],
      ['v1', 'Service'],
      ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
    ] as const) {
      const list = await objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, 'app.kubernetes.io/managed-by=meshd');
      found.push(...list.items.map((o) => `${cluster.name}: ${kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`));
    }
  }
  return found;
}
