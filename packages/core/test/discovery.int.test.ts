// Discovery against real kube-apiservers from @meshd/testenv: cp runs the stand-in Istio 0.8
// control plane, remote-1 has an empty cluster to show what a missing control plane looks like.
import { readFile } from 'node:fs/promises';
import { startClusters, type TestEnv } from '@meshd/testenv';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type ClusterClient } from '@meshd/core/cluster';
import { discoverEndpoints } from '@meshd/core/discovery';
import { hasCode } from '@meshd/core';

let env: TestEnv;
let cp: ClusterClient;
let remote: ClusterClient;

async function connect(index: number): Promise<ClusterClient> {
  const cluster = env.clusters[index]!;
  return connectCluster({ name: cluster.name, kubeconfigText: await readFile(cluster.kubeconfigPath, 'utf8') });
}

/** A pilot-labelled Pod that is not the stand-in's; Running and Ready at `ip` when given, else left Pending. */
async function extraPilotPod(client: ClusterClient, name: string, node: string, ip?: string): Promise<void> {
  const body: V1Pod = {
    metadata: { name, namespace: 'istio-system', labels: { istio: 'pilot' } },
    spec: { nodeName: node, automountServiceAccountToken: false, containers: [{ name: 'discovery', image: 'istio/pilot:0.8.0' }] },
  };
  const pod = await client.core.createNamespacedPod({ namespace: 'istio-system', body });
  if (ip === undefined) return;
  pod.status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] };
  await client.core.replaceNamespacedPodStatus({ name, namespace: 'istio-system', body: pod });
}

async function deletePods(client: ClusterClient, names: string[]): Promise<void> {
  await Promise.all(names.map((name) => client.core.deleteNamespacedPod({ name, namespace: 'istio-system', gracePeriodSeconds: 0 })));
}

beforeAll(async () => {
  env = await startClusters({ count: 2 });
  [cp, remote] = await Promise.all([connect(0), connect(1)]);
});

afterAll(async () => {
  await env?.stop();
});

describe('discoverEndpoints on the control plane', () => {
  it('returns the stand-in Pilot, policy Mixer and statsd pod IPs', async () => {
    const found = await discoverEndpoints(cp, {});
    expect(found.pilot).toMatchObject({ ip: await env.controlPlane.podIp('pilot'), source: 'pod' });
    expect(found.policy).toMatchObject({ ip: await env.controlPlane.podIp('policy'), source: 'pod' });
    expect(found.statsd).toMatchObject({ ip: await env.controlPlane.podIp('statsd-prom-bridge'), source: 'pod' });
    expect(found.pilot.pod).toMatch(/^istio-pilot-/);
    expect(found.policy.pod).toMatch(/^istio-policy-/);
    expect(found.policy.ip).not.toBe(await env.controlPlane.podIp('telemetry'));
  });

  it('follows Pilot to its new IP after it moves, and nothing else changes', async () => {
    const before = await discoverEndpoints(cp, {});
    const newIp = await env.controlPlane.movePilot();
    const after = await discoverEndpoints(cp, {});
    expect(newIp).not.toBe(before.pilot.ip);
    expect(after.pilot.ip).toBe(newIp);
    expect(after.pilot.pod).not.toBe(before.pilot.pod);
    expect(after.policy).toEqual(before.policy);
    expect(after.statsd).toEqual(before.statsd);
  });

  it('keeps the serving Pilot when a younger Ready replica and a Pending one appear', async () => {
    const before = await discoverEndpoints(cp, {});
    const serving = await cp.core.readNamespacedPod({ name: before.pilot.pod!, namespace: 'istio-system' });
    // creationTimestamp has one-second resolution: the replica is created a second later.
    const nextSecond = new Date(serving.metadata!.creationTimestamp!).getTime() + 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, nextSecond - Date.now() + 50)));
    const node = env.clusters[0]!.nodeName;
    await extraPilotPod(cp, 'istio-pilot-aaa-replica', node, '10.16.200.1');
    await extraPilotPod(cp, 'istio-pilot-aaa-pending', node);
    try {
      expect((await discoverEndpoints(cp, {})).pilot).toEqual(before.pilot);
    } finally {
      await deletePods(cp, ['istio-pilot-aaa-replica', 'istio-pilot-aaa-pending']);
    }
  });

  it('with the previous result, keeps Pilot even against a replica created in the same second', async () => {
    const newIp = await env.controlPlane.movePilot();
    const moved = await discoverEndpoints(cp, {});
    expect(moved.pilot.ip).toBe(newIp);
    // Created right away (usually the same second as the moved pod) and with a smaller name.
    await extraPilotPod(cp, 'istio-pilot-aaa-twin', env.clusters[0]!.nodeName, '10.16.200.2');
    try {
      for (let i = 0; i < 3; i++) {
        expect((await discoverEndpoints(cp, {}, { previous: moved })).pilot).toEqual(moved.pilot);
      }
    } finally {
      await deletePods(cp, ['istio-pilot-aaa-twin']);
    }
  });

  it('an override wins over the pod IP of its component only', async () => {
    const found = await discoverEndpoints(cp, { pilot: '192.0.2.10' });
    expect(found.pilot).toEqual({ ip: '192.0.2.10', source: 'override' });
    expect(found.policy).toMatchObject({ ip: await env.controlPlane.podIp('policy'), source: 'pod' });
  });

  it("honours the caller's AbortSignal", async () => {
    await expect(discoverEndpoints(cp, {}, AbortSignal.abort())).rejects.toThrow();
  });
});

describe('discoverEndpoints where no control plane runs', () => {
  it('names every component and what was found', async () => {
    const err: unknown = await discoverEndpoints(remote, {}).catch((e: unknown) => e);
    expect(hasCode(err, 'MESHD_ERR_DISCOVERY')).toBe(true);
    expect((err as Error).message).toBe(
      'control plane remote-1: pilot: no Running and Ready pod labelled istio=pilot in istio-system (found none); ' +
        'policy: no Running and Ready pod labelled istio=mixer,istio-mixer-type=policy in istio-system (found none); ' +
        'statsd: no Running and Ready pod labelled istio=statsd-prom-bridge in istio-system (found none)',
    );
  });

  it('reports a Pending Pilot pod by name and phase', async () => {
    await remote.core.createNamespace({ body: { metadata: { name: 'istio-system' } } });
    await extraPilotPod(remote, 'istio-pilot-x', env.clusters[1]!.nodeName);
    const err: unknown = await discoverEndpoints(remote, { policy: '192.0.2.2', statsd: '192.0.2.3' }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      'control plane remote-1: pilot: no Running and Ready pod labelled istio=pilot in istio-system (found 1: istio-pilot-x Pending)',
    );
  });

  it('needs no pod at all when every component is overridden (no lookup)', async () => {
    const found = await discoverEndpoints(remote, { pilot: '192.0.2.1', policy: '192.0.2.2', statsd: 'fd00::3' });
    expect(found).toEqual({
      pilot: { ip: '192.0.2.1', source: 'override' },
      policy: { ip: '192.0.2.2', source: 'override' },
      statsd: { ip: 'fd00::3', source: 'override' },
    });
  });

  it('rejects an override that is not an IP before any request, as a config error', async () => {
    const err: unknown = await discoverEndpoints(remote, { pilot: 'istio-pilot.istio-system' }).catch((e: unknown) => e);
    expect(hasCode(err, 'MESHD_ERR_INVALID_CONFIG')).toBe(true);
    expect(err).toMatchObject({ terminal: true });
  });
});
