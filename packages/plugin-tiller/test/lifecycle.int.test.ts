// The tiller backend against a real cluster and a real Tiller v2.17.0: install from empty, no new
// revision when in sync, upgrade when Pilot moves, repair of drift, Helm 2's own render, purge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { objectKey } from '@meshd/core/kube';
import type { ClusterTarget } from '@meshd/core';
import { parseRenderedManifests, renderChart } from '@meshd/helm';
import { startClusters } from '@meshd/testenv';
import type { ClusterHandle, TestEnv } from '@meshd/testenv';
import { CHART, HELM2, clientOf, converge, endpointIps, helm2, meshOf, revisions, targetOf, tillerBackend } from './support.js';
import type { TillerDriver } from './support.js';

let env: TestEnv;
let remote: ClusterHandle;
let target: ClusterTarget;
let backend: TillerDriver;

/** Write requests to what Tiller or meshd may write (release records are Secrets). */
const writes = (): Promise<number> =>
  remote.writeRequestCount({
    resources: ['secrets', 'configmaps', 'services', 'endpoints', 'deployments', 'serviceaccounts', 'clusterroles', 'clusterrolebindings', 'namespaces'],
  });

beforeAll(async () => {
  env = await startClusters({ count: 2, tiller: true });
  remote = env.clusters[1]!;
  target = targetOf(remote);
  backend = tillerBackend();
});

afterAll(async () => {
  await env?.stop();
});

describe('tiller backend: the life of a release', () => {
  it('installs istio-remote from empty through Tiller, with the control plane pod IPs', async () => {
    const mesh = await meshOf(env);
    const { plan, writes: made } = await converge(backend, target, mesh);
    expect([plan.state, plan.error]).toEqual(['absent', undefined]);
    expect(plan.changes.map((c) => `${c.op} ${c.kind} ${c.namespace}/${c.name}`)).toEqual(['install Release istio-system/istio-remote']);
    expect(made).toBe(1);
    expect(await revisions(remote)).toEqual(['1:DEPLOYED']);
    expect(await endpointIps(remote, 'istio-pilot')).toEqual([mesh.endpoints!.pilot]);
    expect(await endpointIps(remote, 'istio-policy')).toEqual([mesh.endpoints!.policy]);
    expect(await endpointIps(remote, 'istio-statsd-prom-bridge')).toEqual([mesh.endpoints!.statsd]);
    const values = JSON.parse(await helm2(remote, 'get', 'values', 'istio-remote', '--output', 'json')) as {
      global: Record<string, string>;
      meshd: { hash: string };
    };
    expect(values.global.pilotEndpoint).toBe(mesh.endpoints!.pilot);
    expect(values.meshd.hash).toMatch(/^[0-9a-f]{64}$/);
    const citadel = await clientOf(remote).apps.readNamespacedDeployment({ name: 'istio-citadel', namespace: 'istio-system' });
    expect(citadel.metadata?.labels).toMatchObject({ release: 'istio-remote', heritage: 'Tiller' });
  });

  it('in sync: plans no change, and planning writes nothing and makes no new revision', async () => {
    const mesh = await meshOf(env);
    const before = await writes();
    const plan = await backend.plan(target, mesh);
    expect([plan.state, plan.changes]).toEqual(['in-sync', []]);
    expect(plan.reason).toBe(`revision 1 DEPLOYED; every object matches (Tiller at ${remote.tillerHost!})`);
    expect(await plan.apply()).toBe(0);
    expect(await writes()).toBe(before);
    expect(await revisions(remote)).toEqual(['1:DEPLOYED']);
  });

  it('upgrades when Pilot moves: exactly one new revision, the new IP on the remote', async () => {
    const newIp = await env.controlPlane.movePilot();
    const mesh = await meshOf(env);
    const { plan } = await converge(backend, target, mesh);
    expect(plan.state).toBe('out-of-sync');
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]!.detail).toEqual(['revision 1 → new revision', `Tiller at ${remote.tillerHost!}`, 'changes Endpoints/istio-pilot (.subsets)']);
    expect(await revisions(remote)).toEqual(['1:SUPERSEDED', '2:DEPLOYED']);
    expect(await endpointIps(remote, 'istio-pilot')).toEqual([newIp]);
    expect((await backend.plan(target, mesh)).state).toBe('in-sync');
  });

  it('repairs drift: a deleted object comes back, an edited one is restored, through one upgrade', async () => {
    const core = clientOf(remote).core;
    await core.deleteNamespacedEndpoints({ name: 'istio-policy', namespace: 'istio-system' });
    await core.patchNamespacedEndpoints({
      name: 'istio-pilot',
      namespace: 'istio-system',
      body: [{ op: 'replace', path: '/subsets/0/addresses/0/ip', value: '203.0.113.99' }],
    });
    const mesh = await meshOf(env);
    const { plan } = await converge(backend, target, mesh);
    expect(plan.state).toBe('drifted');
    expect(plan.reason).toContain('2 object(s) differ from revision 2: Endpoints/istio-policy missing, Endpoints/istio-pilot changed');
    expect(await endpointIps(remote, 'istio-policy')).toEqual([mesh.endpoints!.policy]);
    expect(await endpointIps(remote, 'istio-pilot')).toEqual([mesh.endpoints!.pilot]);
    expect(await revisions(remote)).toEqual(['1:SUPERSEDED', '2:SUPERSEDED', '3:DEPLOYED']);
    expect((await backend.plan(target, mesh)).state).toBe('in-sync');
  });

  it("Helm 2's `helm template` renders exactly what Tiller installed", async () => {
    const mesh = await meshOf(env);
    const values = JSON.parse(await helm2(remote, 'get', 'values', 'istio-remote', '--output', 'json')) as Record<string, unknown>;
    const rendered = await renderChart({
      helm: { binary: HELM2, major: 2, env: { PATH: process.env.PATH ?? '' } },
      chartDir: CHART,
      release: 'istio-remote',
      namespace: 'istio-system',
      values,
    });
    const installed = parseRenderedManifests(await helm2(remote, 'get', 'manifest', 'istio-remote'), 'istio-system');
    const byKey = (objects: typeof rendered) => new Map(objects.map((o) => [objectKey(o), o]));
    expect(byKey(rendered)).toEqual(byKey(installed));
    expect(rendered.find((o) => o.kind === 'Endpoints' && o.metadata.name === 'istio-pilot')).toMatchObject({
      subsets: [{ addresses: [{ ip: mesh.endpoints!.pilot }] }],
    });
  });

  it('purges the release when the cluster leaves the mesh: the release and its objects are gone', async () => {
    const mesh = await meshOf(env);
    const plan = await backend.planRemoval(target, mesh);
    expect(plan.state).toBe('removed');
    expect(plan.changes.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual(['uninstall Release istio-remote']);
    expect(await plan.apply()).toBe(1);
    expect(await revisions(remote)).toEqual([]);
    const client = clientOf(remote);
    await expect(client.apps.readNamespacedDeployment({ name: 'istio-citadel', namespace: 'istio-system' })).rejects.toThrow();
    expect(await endpointIps(remote, 'istio-pilot')).toBeUndefined();
    const records = await client.core.listNamespacedSecret({ namespace: 'kube-system', labelSelector: 'OWNER=TILLER' });
    expect(records.items).toEqual([]);
    expect((await backend.planRemoval(target, mesh)).state).toBe('in-sync');
  });
});
