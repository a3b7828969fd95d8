// What the benches need from a test environment's clusters: their kubeconfigs as meshd reads them,
// and application namespaces on the remotes (the secrets addon copies istio.default into them).
import { readFile } from 'node:fs/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import type { TestEnv } from '@meshd/testenv';

/** A cluster by name with its kubeconfig's text: what a bench workspace writes into the cluster directory. */
export interface ClusterKubeconfig {
  name: string;
  kubeconfigText: string;
}

/** Every cluster of `env` (control plane first) with its kubeconfig's text. */
export function clusterKubeconfigs(env: TestEnv): Promise<ClusterKubeconfig[]> {
  return Promise.all(env.clusters.map(async (c) => ({ name: c.name, kubeconfigText: await readFile(c.kubeconfigPath, 'utf8') })));
}

/** Creates the namespaces `names` on every remote of `env` (every cluster but the first). */
export async function createRemoteNamespaces(env: TestEnv, names: readonly string[]): Promise<void> {
  await Promise.all(
    env.clusters.slice(1).flatMap((remote) => {
      const core = remote.kubeConfig().makeApiClient(CoreV1Api);
      return names.map((name) => core.createNamespace({ body: { metadata: { name } } }));
    }),
  );
}
