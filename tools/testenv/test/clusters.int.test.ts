import { CoreV1Api, Watch, type V1ConfigMap } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryPaths, startClusters, type ClusterHandle, type TestEnv } from '@meshd/testenv';

const run = promisify(execFile);
let env: TestEnv;

beforeAll(async () => {
  env = await startClusters({ count: 3 });
});

afterAll(async () => {
  await env?.stop();
});

describe('three real clusters', () => {
  it('names them cp, remote-1, remote-2 and lists them in clusters.json, control plane first', async () => {
    expect(env.clusters.map((c) => c.name)).toEqual(['cp', 'remote-1', 'remote-2']);
    const listed = JSON.parse(await readFile(join(env.dir, 'clusters.json'), 'utf8')) as unknown;
    expect(listed).toEqual(env.clusters.map((c) => ({ name: c.name, kubeconfig: join(env.dir, `${c.name}.kube.conf`), server: c.server })));
  });

  it.each([0, 1, 2])('creates, reads and watches a ConfigMap on cluster %i through client-node', async (i) => {
    const cluster = env.clusters[i] as ClusterHandle;
    const kc = cluster.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = `cm-test-${i}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });

    const added: V1ConfigMap[] = [];
    const modified: V1ConfigMap[] = [];
    const controller = await new Watch(kc).watch(
      `/api/v1/namespaces/${namespace}/configmaps`,
      {},
      (type, obj: V1ConfigMap) => {
        if (type === 'ADDED') added.push(obj);
        if (type === 'MODIFIED') modified.push(obj);
      },
      () => undefined,
    );
    try {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'greeting' }, data: { hello: cluster.name } } });
      const read = await core.readNamespacedConfigMap({ name: 'greeting', namespace });
      expect(read.data).toEqual({ hello: cluster.name });
      await core.replaceNamespacedConfigMap({ name: 'greeting', namespace, body: { ...read, data: { hello: 'again' } } });
      await expect.poll(() => added.map((cm) => cm.metadata?.name), { timeout: 10_000 }).toContain('greeting');
      await expect.poll(() => modified.map((cm) => cm.data?.hello), { timeout: 10_000 }).toContain('again');
    } finally {
      controller.abort();
    }
  });

  it.each(['cp', 'remote-1', 'remote-2'])('answers `kubectl --kubeconfig DIR/%s.kube.conf get ns`', async (name) => {
    const { stdout } = await run(binaryPaths().kubectl, ['--kubeconfig', join(env.dir, `${name}.kube.conf`), 'get', 'ns', '-o', 'name']);
    expect(stdout.split('\n')).toEqual(expect.arrayContaining(['namespace/default', 'namespace/kube-system']));
  });

  it('reports the real Kubernetes version', async () => {
    const { stdout } = await run(binaryPaths().kubectl, ['--kubeconfig', env.clusters[1]?.kubeconfigPath ?? '', 'version', '-o', 'json']);
    expect((JSON.parse(stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion).toBe('v1.34.4');
  });

  it('gives each cluster its own service CIDR and Node pod CIDR', async () => {
    const seen = await Promise.all(
      env.clusters.map(async (c) => {
        const core = c.kubeConfig().makeApiClient(CoreV1Api);
        const nodes = await core.listNode();
        const svc = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'cidr-probe' }, spec: { ports: [{ port: 80 }] } } });
        return { podCidrs: nodes.items.map((n) => n.spec?.podCIDR), clusterIp: svc.spec?.clusterIP ?? '' };
      }),
    );
    expect(seen.map((s) => s.podCidrs)).toEqual([['10.16.0.0/16'], ['10.17.0.0/16'], ['10.18.0.0/16']]);
    expect(seen.map((s) => s.clusterIp.split('.').slice(0, 2).join('.'))).toEqual(['10.96', '10.97', '10.98']);
  });

  it('runs kube-controller-manager: a namespace is finalised away and gets its default ServiceAccount', async () => {
    const core = env.clusters[2]!.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'short-lived' } } });
    await expect
      .poll(async () => (await core.listNamespacedServiceAccount({ namespace: 'short-lived' })).items.map((s) => s.metadata?.name), { timeout: 20_000 })
      .toContain('default');
    await core.deleteNamespace({ name: 'short-lived' });
    await expect.poll(async () => (await core.listNamespace()).items.map((n) => n.metadata?.name), { timeout: 30_000 }).not.toContain('short-lived');
  });

  it('counts exactly the write requests a client makes', async () => {
    const cluster = env.clusters[1]!;
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const before = await cluster.writeRequestCount();
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'counted' }, data: { a: '1' } } });
    await core.readNamespacedConfigMap({ name: 'counted', namespace: 'default' });
    await core.deleteNamespacedConfigMap({ name: 'counted', namespace: 'default' });
    expect(await cluster.writeRequestCount({ resources: ['configmaps'] })).toBeGreaterThanOrEqual(2);
    expect((await cluster.writeRequestCount()) - before).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await cluster.writeRequestCount()) - before).toBe(2); // an idle cluster writes nothing
  });
});
