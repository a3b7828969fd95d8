import { readFile } from 'node:fs/promises';
import { CoreV1Api } from '@kubernetes/client-node';
import { applyObject } from '@meshd/core/kube';
import { connectCluster, type ClusterClient } from '@meshd/core/cluster';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchResource, type WatchEvent } from '../../src/daemon/watch/informers.js';
import { silentLogger } from '@meshd/testkit';
import { releaseWatches } from '@meshd/core/release';
import { builtinWatchSpecs, pluginWatchSpecs } from '../../src/daemon/watch/watch-specs.js';

let env: TestEnv;
let client: ClusterClient;
const stop = new AbortController();

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  env = await startClusters({ count: 1, names: ['cp'] });
  const cp = env.clusters[0]!;
  client = connectCluster({ name: cp.name, kubeconfigText: await readFile(cp.kubeconfigPath, 'utf8') });
});

afterAll(async () => {
  stop.abort();
  await env?.stop();
});

describe('watchResource against a real API server', () => {
  it('reports a Pilot move once (the old pod going), survives an API server restart, and reports the next move', async () => {
    const [podSpec] = builtinWatchSpecs();
    const relevant = podSpec!.filter!();
    const events: WatchEvent[] = [];
    const watch = watchResource({
      client,
      ...podSpec!.target,
      signal: stop.signal,
      logger: silentLogger(),
      retryMaxMs: 1000,
      onChange: (e, known) => relevant(e, known) && events.push(e),
    });
    await watch.synced;
    expect(events).toEqual([]);

    const oldPod = (await env.clusters[0]!.kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'istio-system', labelSelector: 'istio=pilot' }))
      .items[0]?.metadata?.name;
    const startedAt = Date.now();
    await env.controlPlane.movePilot();
    await until('the first move', () => events.find((e) => e.object.metadata?.name === oldPod), 5000);
    const latencyMs = Date.now() - startedAt;
    expect(latencyMs).toBeLessThan(2000);
    // The new pod appearing and getting Ready changed nothing discovery would choose: one event, one pass.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // (The old pod's event is its deletion, or the update marking it terminating just before.)
    expect(events.map((e) => e.object.metadata?.name)).toEqual([oldPod]);

    const cp = env.clusters[0]!;
    await cp.stopApiServer();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await cp.startApiServer();
    const secondIp = await env.controlPlane.movePilot();
    const second = await until('the move after the restart', () => events[1], 20_000);
    expect((second.object as { status?: { podIP?: string } }).status?.podIP).not.toBe(secondIp);
  });

  it("reports an edit and a deletion of an object meshd owns within about a second, not meshd's own apply", async () => {
    const core = env.clusters[0]!.kubeConfig().makeApiClient(CoreV1Api);
    const namespace = 'drift-test';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const spec = pluginWatchSpecs(releaseWatches({ name: 'istio-remote', namespace }).map((watch) => ({ watch }))).find((s) => s.target.kind === 'Endpoints')!;
    const relevant = spec.filter!();
    const events: WatchEvent[] = [];
    const watch = watchResource({
      client,
      ...spec.target,
      signal: stop.signal,
      logger: silentLogger(),
      onChange: (e, known) => relevant(e, known) && events.push(e),
    });
    await watch.synced;

    const body = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'istio-pilot', namespace, labels: { 'app.kubernetes.io/managed-by': 'meshd' } },
      subsets: [{ addresses: [{ ip: '10.0.0.5' }], ports: [{ port: 15003 }] }],
    };
    await applyObject(client, body);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(events).toEqual([]);

    let t0 = Date.now();
    const live = await core.readNamespacedEndpoints({ name: 'istio-pilot', namespace });
    live.subsets = [{ addresses: [{ ip: '10.9.9.9' }], ports: [{ port: 15003 }] }];
    await core.replaceNamespacedEndpoints({ name: 'istio-pilot', namespace, body: live, fieldManager: 'kubectl-edit' });
    await until('the edit', () => events.find((e) => e.type === 'MODIFIED'), 3000);
    expect(Date.now() - t0).toBeLessThan(1000);

    t0 = Date.now();
    await core.deleteNamespacedEndpoints({ name: 'istio-pilot', namespace });
    await until('the deletion', () => events.find((e) => e.type === 'DELETED'), 3000);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
