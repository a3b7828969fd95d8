// Two passes that planned from the same registry must not both write it (the daemon runs scoped
// passes concurrently): the second update is refused by the API server and retried from fresh.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { observeRegistry } from '@meshd/core/registry';
import { planRegistry } from '@meshd/core';
import type { PublishedCluster } from '@meshd/core/registry';
import { startClusters } from '@meshd/testenv';
import type { TestEnv } from '@meshd/testenv';
import { clientOf } from './support/mesh.js';

let env: TestEnv;
beforeAll(async () => {
  env = await startClusters({ count: 1 });
});
afterAll(async () => {
  await env?.stop();
});

const cluster = (name: string): PublishedCluster => ({
  name,
  role: 'remote',
  file: `${name}.yaml`,
  descriptorText: `# ${name}`,
  accessConfigFile: `${name}.kube.conf`,
  kubeconfigText: `kubeconfig of ${name}`,
});

it('the second of two concurrent registry updates fails with a conflict instead of losing the first', async () => {
  const cp = clientOf(env.clusters[0]!);
  const plan = async (files: Record<string, string>, names: string[]) =>
    planRegistry({
      cp,
      mode: 'configmap',
      namespace: 'istio-system',
      published: names.map(cluster),
      files,
      observed: await observeRegistry(cp, 'istio-system'),
      adopt: false,
    });
  await (await plan({ 'cp.yaml': 'cp' }, [])).apply();
  const a = await plan({ 'cp.yaml': 'cp', 'east.yaml': 'east' }, ['east']);
  const b = await plan({ 'cp.yaml': 'cp', 'west.yaml': 'west' }, ['west']);
  expect(await a.apply()).toBe(1);
  await expect(b.apply()).rejects.toThrow(/HTTP 409/);
  const cm = await cp.core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
  expect(Object.keys(cm.data ?? {}).sort()).toEqual(['cp.yaml', 'east.yaml']);
});
