// Issue 4, end to end: `meshd plan` / `meshd apply` against three real clusters (control plane + 2 remotes).
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterHandle } from '@meshd/testenv';
import { describe, expect, it } from 'vitest';
import { addCluster, clientOf, endpointIps, meshd, settledWrites, useMesh, workspace } from './support/mesh.js';

const mesh = useMesh({ count: 3 });

describe('converging a mesh with meshd apply', () => {
  it('installs istio-remote on both remotes with the live pod IPs and publishes the registry', async () => {
    const remote = mesh.env.clusters[1]!;
    // The kinds the release has only inside istio-system (and its inventory, a ConfigMap there); not
    // ServiceAccounts, which the credentials step also reads in kube-system.
    const readsInRelease = (): Promise<number> => remote.requestCount({ verbs: ['GET'], resources: ['services', 'endpoints', 'deployments', 'configmaps'] });
    const readsBefore = await readsInRelease();
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // A first contact with istio-system absent reads nothing in it: the server's 404 for the Namespace says it all.
    expect(await readsInRelease()).toBe(readsBefore);
    const [pilot, policy, statsd] = await Promise.all([
      mesh.env.controlPlane.podIp('pilot'),
      mesh.env.controlPlane.podIp('policy'),
      mesh.env.controlPlane.podIp('statsd-prom-bridge'),
    ]);
    for (const remote of mesh.env.clusters.slice(1)) {
      expect(await endpointIps(remote, 'istio-pilot')).toEqual([pilot]);
      expect(await endpointIps(remote, 'istio-policy')).toEqual([policy]);
      expect(await endpointIps(remote, 'istio-statsd-prom-bridge')).toEqual([statsd]);
    }
    const cm = await clientOf(mesh.env.clusters[0]!).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    expect(Object.keys(cm.data ?? {}).sort()).toEqual([
      'cp.kube.conf',
      'cp.yaml',
      'remote-1.kube.conf',
      'remote-1.yaml',
      'remote-2.kube.conf',
      'remote-2.yaml',
    ]);
    expect(cm.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('meshd');
  });

  it('then plans no change (exit 0 with --detailed-exitcode) and a second apply writes nothing', async () => {
    const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(plan.code, plan.stdout).toBe(0);
    expect(plan.stdout).toContain('Plan: no changes');
    const before = await settledWrites(mesh.env.clusters);
    const again = await meshd(mesh.ws, 'apply');
    expect(again.code).toBe(0);
    expect(await settledWrites(mesh.env.clusters)).toEqual(before);
  });

  it('follows Pilot to its new IP: every remote gets the new Endpoints and nothing else changes', async () => {
    const newIp = await mesh.env.controlPlane.movePilot();
    const before = await settledWrites(mesh.env.clusters);
    const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(plan.code).toBe(2);
    const changed = plan.stdout.split('\n').filter((l) => /^\s+[-+~±] /.test(l));
    expect(changed).toEqual([
      expect.stringContaining('update Endpoints istio-system/istio-pilot'),
      expect.stringContaining('update Endpoints istio-system/istio-pilot'),
    ]);
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code).toBe(0);
    for (const remote of mesh.env.clusters.slice(1)) expect(await endpointIps(remote, 'istio-pilot')).toEqual([newIp]);
    // Per remote: one Endpoints patch and the inventory's new revision (written only if unchanged since
    // it was read: an in-place upgrade takes no hold); nothing on the control plane.
    const after = await settledWrites(mesh.env.clusters);
    expect(after.map((n, i) => n - (before[i] ?? 0))).toEqual([0, 2, 2]);
  });

  it('repairs an owned object deleted on a remote', async () => {
    const remote = mesh.env.clusters[1]!;
    await clientOf(remote).core.deleteNamespacedEndpoints({ name: 'istio-policy', namespace: 'istio-system' });
    expect(await endpointIps(remote, 'istio-policy')).toBeUndefined();
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/cluster remote-1 [^\n]*\n(\s+[^\n]*\n)*?\s+helm-template: drifted/);
    expect(await endpointIps(remote, 'istio-policy')).toEqual([await mesh.env.controlPlane.podIp('policy')]);
  });

  it('reinstalls a remote whose istio-system was deleted behind it, reading nothing inside the absent Namespace', async () => {
    const remote = mesh.env.clusters[1]!;
    const core = clientOf(remote).core;
    await core.deleteNamespace({ name: 'istio-system' });
    await expect
      .poll(
        () =>
          core.readNamespace({ name: 'istio-system' }).then(
            () => 'present',
            () => 'gone',
          ),
        { timeout: 60_000, interval: 200 },
      )
      .toBe('gone');
    // The journal on the bastion still lists every object of the release there: before, each was read (and answered 404).
    const readsInRelease = (): Promise<number> => remote.requestCount({ verbs: ['GET'], resources: ['services', 'endpoints', 'deployments', 'configmaps'] });
    const readsBefore = await readsInRelease();
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await readsInRelease()).toBe(readsBefore);
    expect(await endpointIps(remote, 'istio-pilot')).toEqual([await mesh.env.controlPlane.podIp('pilot')]);
    expect(await endpointIps(remote, 'istio-policy')).toEqual([await mesh.env.controlPlane.podIp('policy')]);
    const again = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
  });

  it('an invalid descriptor plans nothing destructive and names the file', async () => {
    const file = join(mesh.ws.dir, 'remote-2.yaml');
    await writeFile(
      file,
      'apiVersion: clusterregistry.k8s.io/v1alpha1\nkind: Cluster\nmetadata:\n  name: remote-2\n  annotations:\n    config.istio.io/pilotCfgStore: maybe\n',
    );
    const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/remote-2\.yaml:6:\d+: error: config\.istio\.io\/pilotCfgStore must be true or false, got "maybe"/);
    expect(plan.stdout).not.toMatch(/ (delete|uninstall|recreate) /);
    expect(plan.stdout).toMatch(/cluster remote-2 \(remote[^\n]*: converged/);
    await addCluster(mesh.ws, mesh.env.clusters[2]!);
  });

  it('a same-named object meshd does not own is a clear error and stays untouched', async () => {
    const remote = mesh.env.clusters[2]!;
    const core = clientOf(remote).core;
    await core.createNamespace({ body: { metadata: { name: 'team-x' } } });
    // A second mesh on the same control plane, with a registry of its own, so it leaves the first alone.
    await clientOf(mesh.env.clusters[0]!).core.createNamespace({ body: { metadata: { name: 'team-x' } } });
    const other = await workspace([
      `release: { name: istio-remote, namespace: team-x }`,
      'registry: { namespace: team-x }',
      'secrets: { namespaces: [team-x] }',
    ]);
    try {
      await addCluster(other, mesh.env.clusters[0]!);
      await addCluster(other, remote);
      await core.createNamespacedService({
        namespace: 'team-x',
        body: { metadata: { name: 'istio-pilot', labels: { owner: 'someone-else' } }, spec: { ports: [{ port: 80 }] } },
      });
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
    const [cp, r1, r2] = mesh.env.clusters as [ClusterHandle, ClusterHandle, ClusterHandle];
    await rm(join(mesh.ws.dir, 'remote-2.yaml'));
    await rm(join(mesh.ws.dir, 'remote-2.kube.conf'));
    const [, r1Before] = await settledWrites([cp, r1]);
    const run = await meshd(mesh.ws, 'apply');
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
