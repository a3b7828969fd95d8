import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree, startClusters, type TestEnv } from '@meshd/testenv';

let env: TestEnv;

beforeAll(async () => {
  env = await startClusters({ count: 1, names: ['flaky'] });
});

afterAll(async () => {
  await env?.stop();
});

describe('stopping and starting a kube-apiserver (fault tests)', () => {
  it('makes the cluster unreachable, then serves the same data on the same port again', async () => {
    const cluster = env.clusters[0]!;
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'survivor' }, data: { kept: 'yes' } } });

    await cluster.stopApiServer();
    expect(await isPortFree(cluster.ports.apiServer)).toBe(true);
    await expect(core.readNamespacedConfigMap({ name: 'survivor', namespace: 'default' })).rejects.toThrow(/ECONNREFUSED/);

    await cluster.startApiServer();
    const again = await core.readNamespacedConfigMap({ name: 'survivor', namespace: 'default' });
    expect(again.data).toEqual({ kept: 'yes' });
    expect(cluster.server).toBe(`https://127.0.0.1:${cluster.ports.apiServer}`);
  });
});
