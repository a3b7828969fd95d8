// The fault proxy (`startClusters({ proxy: true })`, `testenv up --proxy`): the handed-out kubeconfig
// goes through Toxiproxy, the direct one does not, and each fault does to a real client what it says.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusters, type ClusterHandle, type TestEnv } from '../src/index.js';

let env: TestEnv;
let cluster: ClusterHandle;

beforeAll(async () => {
  env = await startClusters({ count: 1, proxy: true });
  cluster = env.clusters[0]!;
});

afterAll(async () => {
  await env?.stop();
});

async function coreThrough(path: string): Promise<CoreV1Api> {
  const kc = new KubeConfig();
  kc.loadFromString(await readFile(path, 'utf8'));
  return kc.makeApiClient(CoreV1Api);
}

/** Lists namespaces through `path`'s kubeconfig; 'ok', 'timeout' (no answer within `ms`) or the error's text. */
async function outcome(path: string, ms = 3000): Promise<string> {
  const core = await coreThrough(path);
  const timer = new Promise<string>((done) => setTimeout(() => done('timeout'), ms).unref());
  const call = core.listNamespace().then(
    () => 'ok',
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  return Promise.race([call, timer]);
}

describe('fault proxy in front of the API server', () => {
  it('hands out a kubeconfig through the proxy (TLS verifies: the serving cert holds IP 127.0.0.1) and a direct one', async () => {
    expect(cluster.proxyName).toBe('cp-apiserver');
    expect(cluster.server).not.toBe(cluster.apiServer);
    expect(await readFile(cluster.kubeconfigPath, 'utf8')).toContain(cluster.server);
    expect(await readFile(cluster.directKubeconfigPath, 'utf8')).toContain(cluster.apiServer);
    expect(await outcome(cluster.kubeconfigPath)).toBe('ok');
    const entries = JSON.parse(await readFile(`${env.dir}/clusters.json`, 'utf8')) as { proxy?: string; toxiproxyApi?: string }[];
    expect(entries[0]).toMatchObject({ proxy: 'cp-apiserver', toxiproxyApi: env.toxiproxy?.url });
  });

  it('blackhole: requests through the proxy get no answer (no error either) while the direct link works; heal restores it', async () => {
    await cluster.faults!.blackhole();
    try {
      expect(await outcome(cluster.kubeconfigPath)).toBe('timeout');
      expect(await outcome(cluster.directKubeconfigPath)).toBe('ok');
    } finally {
      await cluster.faults!.heal();
    }
    expect(await cluster.faults!.active()).toEqual([]);
    expect(await outcome(cluster.kubeconfigPath)).toBe('ok');
  });

  it('cut refuses connections, reset_peer resets them; both heal', async () => {
    await cluster.faults!.cut();
    expect(await outcome(cluster.kubeconfigPath)).toMatch(/ECONNREFUSED/);
    await cluster.faults!.heal();
    await cluster.faults!.resetPeer();
    expect(await outcome(cluster.kubeconfigPath)).toMatch(/ECONNRESET|socket hang up|disconnected/);
    await cluster.faults!.heal();
    expect(await outcome(cluster.kubeconfigPath)).toBe('ok');
  });

  it('latency, bandwidth and flap leave a working link behind', async () => {
    await cluster.faults!.latency(200);
    await cluster.faults!.bandwidth(64);
    expect((await cluster.faults!.active()).sort()).toEqual(['bandwidth-down', 'bandwidth-up', 'latency']);
    expect(await outcome(cluster.kubeconfigPath, 10_000)).toBe('ok');
    await cluster.faults!.heal();
    await cluster.faults!.flap({ times: 3, downMs: 100, upMs: 100 });
    expect(await outcome(cluster.kubeconfigPath)).toBe('ok');
  });
});
