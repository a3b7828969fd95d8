// Issue 4, end to end: `meshd plan` / `meshd apply` against three real clusters (control plane + 2 remotes).
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusters } from '@meshd/testenv';
import type { TestEnv } from '@meshd/testenv';
import { addAll, addCluster, clientOf, endpointIps, meshd, settledWrites, workspace } from './support/mesh.js';
import type { MeshWorkspace } from './support/mesh.js';

let env: TestEnv;
let ws: MeshWorkspace;

beforeAll(async () => {
  env = await startClusters({ count: 3 });
  ws = await workspace();
  await addAll(ws, env);
});

afterAll(async () => {
  await ws?.cleanup();
  await env?.stop();
});

describe('converging a mesh with meshd apply', () => {
  it('installs istio-remote on both remotes with the live pod IPs and publishes the registry', async () => {
    const run = await meshd(ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const [pilot, policy, statsd] = await Promise.all([env.controlPlane.podIp('pilot'), env.controlPlane.podIp('policy'), env.controlPlane.podIp('statsd-prom-bridge')]);
    for (const remote of env.clusters.slice(1)) {
      expect(await endpointIps(remote, 'istio-pilot')).toEqual([pilot]);
      expect(await endpointIps(remote, 'istio-policy')).toEqual([policy]);
      expect(await endpointIps(remote, 'istio-statsd-prom-bridge')).toEqual([statsd]);
    }
    const cm = await clientOf(env.clusters[0]!).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    expect(Object.keys(cm.data ?? {}).sort()).toEqual(['cp.kube.conf', 'cp.yaml', 'remote-1.kube.conf', 'remote-1.yaml', 'remote-2.kube.conf', 'remote-2.yaml']);
    expect(cm.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('meshd');
  });

  it('then plans no change (exit 0 with --detailed-exitcode) and a second apply writes nothing', async () => {
    const plan = await meshd(ws, 'plan', '--detailed-exitcode');
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout).toContain('Plan: no changes');
    const before = await settledWrites(env.clusters);
    const again = await meshd(ws, 'apply');
    expect(again.code).toBe(0);
    expect(await settledWrites(env.clusters)).toEqual(before);
  });

  it('follows Pilot to its new IP: every remote gets the new Endpoints and nothing else changes', async () => {
    const newIp = await env.controlPlane.movePilot();
    const before = await settledWrites(env.clusters);
    const plan = await meshd(ws, 'plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    const changed = plan.stdout.split('\n').filter((l) => /^\s+[-+~±] /.test(l));
    expect(changed).toEqual([expect.stringContaining('update Endpoints istio-system/istio-pilot'), expect.stringContaining('update Endpoints istio-system/istio-pilot')]);
    const run = await meshd(ws, 'apply');
    expect(run.code).toBe(0);
    for (const remote of env.clusters.slice(1)) expect(await endpointIps(remote, 'istio-pilot')).toEqual([newIp]);
    // Per remote: one Endpoints patch and the inventory's new revision; nothing on the control plane.
    const after = await settledWrites(env.clusters);
    expect(after.map((n, i) => n - (before[i] ?? 0))).toEqual([0, 2, 2]);
  });

  it('repairs an owned object deleted on a remote', async () => {
    const remote = env.clusters[1]!;
    await clientOf(remote).core.deleteNamespacedEndpoints({ name: 'istio-policy', namespace: 'istio-system' });
    expect(await endpointIps(remote, 'istio-policy')).toBeUndefined();
    const run = await meshd(ws, 'apply');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/cluster remote-1 [^\n]*\n(\s+[^\n]*\n)*?\s+helm-template: drifted/);
    expect(await endpointIps(remote, 'istio-policy')).toEqual([await env.controlPlane.podIp('policy')]);
  });

  it('an invalid descriptor plans nothing destructive and names the file', async () => {
    const file = join(ws.dir, 'remote-2.yaml');
    await writeFile(file, 'apiVersion: clusterregistry.k8s.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: remote-2\n  annotations:\n    config.istio.io/pilotCfgStore: maybe\n');
    const plan = await meshd(ws, 'plan', '--detailed-exitcode');
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/remote-2\.yaml:6:\d+: error: config\.istio\.io\/pilotCfgStore must be true or false, got "maybe"/);
    expect(plan.stdout).not.toMatch(/ (delete|uninstall|recreate) /);
    expect(plan.stdout).toMatch(/cluster remote-2 \(remote[^\n]*: converged/);
    await addCluster(ws, env.clusters[2]!);
  });

  it('a same-named object meshd does not own is a clear error and stays untouched', async () => {
    const remote = env.clusters[2]!;
    const core = clientOf(remote).core;
    await core.createNamespace({ body: { metadata: { name: 'team-x' } } });
    // A second mesh on the same control plane, with a registry of its own, so it leaves the first alone.
    await clientOf(env.clusters[0]!).core.createNamespace({ body: { metadata: { name: 'team-x' } } });
    const other = await workspace([`release: { name: istio-remote, namespace: team-x }`, 'registry: { namespace: team-x }', 'secrets: { namespaces: [team-x] }']);
    try {
      await addCluster(other, env.clusters[0]!);
      await addCluster(other, remote);
      await core.createNamespacedService({ namespace: 'team-x', body: { metadata: { name: 'istio-pilot', labels: { owner: 'someone-else' } }, spec: { ports: [{ port: 80 }] } } });
      const run = await meshd(other, 'apply');
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('Service istio-pilot exists and is not managed by meshd (set adopt: true to take it over)');
      const svc = await core.readNamespacedService({ name: 'istio-pilot', namespace: 'team-x' });
      expect(svc.metadata?.labels).toEqual({ owner: 'someone-else' });
      expect(svc.spec?.ports?.[0]?.port).toBe(80);
      await expect(core.readNamespacedEndpoints({ name: 'istio-pilot', namespace: 'team-x' })).rejects.toThrow();
    } finally {
      await other.cleanup();
    }
  });

  it('removing a descriptor uninstalls that remote, updates the registry and leaves the other remote alone', async () => {
    const [cp, r1, r2] = env.clusters as [typeof env.clusters[0], typeof env.clusters[0], typeof env.clusters[0]];
    await rm(join(ws.dir, 'remote-2.yaml'));
    await rm(join(ws.dir, 'remote-2.kube.conf'));
    const [, r1Before] = await settledWrites([cp, r1]);
    const run = await meshd(ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await endpointIps(r2, 'istio-pilot')).toBeUndefined();
    await expect(clientOf(r2).core.readNamespacedConfigMap({ name: 'meshd-release-istio-remote', namespace: 'istio-system' })).rejects.toThrow();
    await expect(clientOf(r2).apps.readNamespacedDeployment({ name: 'istio-citadel', namespace: 'istio-system' })).rejects.toThrow();
    const cm = await clientOf(cp).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    expect(Object.keys(cm.data ?? {}).sort()).toEqual(['cp.kube.conf', 'cp.yaml', 'remote-1.kube.conf', 'remote-1.yaml']);
    const [, r1After] = await settledWrites([cp, r1]);
    expect(r1After, run.stdout).toBe(r1Before);
  });
});
