// The trust boundary (issue 12): meshd's memory lives on the bastion. Nothing read from a cluster is
// executed or trusted to decide a removal; the registry is output only and owned whole; renames keep
// every object; the deletion budget holds mass removals; a damaged state file changes nothing.
// Each test is named after the attack it replays (shared/reference/attack-report.md, L1–L3).
import { existsSync } from 'node:fs';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sampleDescriptor } from '@meshd/testkit';
import type { ClusterHandle } from '@meshd/testenv';
import { describe, expect, it } from 'vitest';
import { startDaemonProcess } from '@meshd/testkit';
import { addAll, clientOf, meshd, MESHD_RESOURCES, settledWrites, stateDirOf, useJoinedMesh, writeConfig } from './support/mesh.js';

const mesh = useJoinedMesh(5);
const cp = (): ClusterHandle => mesh.cp();
const remote = (i: number): ClusterHandle => mesh.remote(i);
const PILOT = 'istio-pilot.istio-system:15007';

/** A workspace with the control plane and the given remotes joined by one `meshd apply`. */
const joined = (remotes: number[], extra: string[] = []): Promise<void> => mesh.joined(remotes, extra);

/** A kubeconfig whose exec credential plugin creates `marker` (what an attacker plants). */
function execKubeconfig(marker: string): string {
  const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'x' } });
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{ name: g, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]',
    `users: [{ name: g, user: { exec: { apiVersion: client.authentication.k8s.io/v1beta1, command: /bin/sh, args: ["-c", "touch ${marker}; echo '${cred}'"] } } }]`,
    'contexts: [{ name: g, context: { cluster: g, user: g } }]',
    'current-context: g',
    '',
  ].join('\n');
}

/** Adds keys to the registry ConfigMap the way `kubectl patch` does (another field manager). */
async function plantRegistryKeys(data: Record<string, string>): Promise<void> {
  await clientOf(cp()).core.patchNamespacedConfigMap(
    { name: 'multicluster', namespace: 'istio-system', body: { data }, fieldManager: 'kubectl-patch' },
    { contentType: 'application/merge-patch+json' },
  );
}

async function registryKeys(): Promise<string[]> {
  const cm = await clientOf(cp()).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
  return Object.keys(cm.data ?? {}).sort();
}

/** UIDs of the objects meshd made on a cluster (Services, Endpoints, Deployments, ServiceAccounts in istio-system). */
async function ownedUids(cluster: ClusterHandle): Promise<string[]> {
  const c = clientOf(cluster);
  const labelSelector = 'app.kubernetes.io/managed-by=meshd';
  const ns = 'istio-system';
  const lists = await Promise.all([
    c.core.listNamespacedService({ namespace: ns, labelSelector }),
    c.core.listNamespacedEndpoints({ namespace: ns, labelSelector }),
    c.core.listNamespacedServiceAccount({ namespace: ns, labelSelector }),
    c.apps.listNamespacedDeployment({ namespace: ns, labelSelector }),
  ]);
  return lists.flatMap((l) => l.items.map((i: { metadata?: { uid?: string } }) => i.metadata?.uid ?? '')).sort();
}

const deletes = (cluster: ClusterHandle): Promise<number> => cluster.writeRequestCount({ resources: MESHD_RESOURCES, verbs: ['DELETE'] });

describe('a planted registry key with an exec kubeconfig (L1)', () => {
  it('configmap mode: plan, apply and run never run its command; apply removes the key and names it', async () => {
    await joined([1]);
    const marker = join(mesh.ws.root, 'PWNED');
    await plantRegistryKeys({ 'ghost.yaml': sampleDescriptor({ name: 'ghost', pilotEndpoint: PILOT }), 'ghost.kube.conf': execKubeconfig(marker) });
    const plan = await meshd(mesh.ws, 'plan');
    expect(plan.stdout).toContain('removing keys meshd did not publish: ghost.kube.conf, ghost.yaml');
    expect(plan.stdout).not.toContain('cluster ghost');
    const apply = await meshd(mesh.ws, 'apply');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain('removing keys meshd did not publish: ghost.kube.conf, ghost.yaml');
    expect(await registryKeys()).toEqual(['cp.kube.conf', 'cp.yaml', 'remote-1.kube.conf', 'remote-1.yaml']);
    // The daemon, started with the key planted again, neither runs it nor keeps it.
    await plantRegistryKeys({ 'ghost.yaml': sampleDescriptor({ name: 'ghost', pilotEndpoint: PILOT }), 'ghost.kube.conf': execKubeconfig(marker) });
    const daemon = await startDaemonProcess({ dir: mesh.ws.dir, config: mesh.ws.configPath });
    try {
      await daemon.waitReady();
      await expect.poll(registryKeys, { timeout: 30_000 }).not.toContain('ghost.yaml');
    } finally {
      await daemon.stop();
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('secrets mode: a planted Secret labelled istio/multiCluster is reported, never used, never deleted', async () => {
    await joined([1], ['registry: { mode: secrets }']);
    const marker = join(mesh.ws.root, 'PWNED');
    const core = clientOf(cp()).core;
    await core.createNamespacedSecret({
      namespace: 'istio-system',
      body: {
        metadata: {
          name: 'ghost',
          labels: { 'istio/multiCluster': 'true', 'app.kubernetes.io/managed-by': 'meshd', 'meshd.io/component': 'registry' },
          annotations: {
            'meshd.io/descriptor-file': 'ghost.yaml',
            'meshd.io/access-config-file': 'ghost.kube.conf',
            'meshd.io/descriptor': sampleDescriptor({ name: 'ghost', pilotEndpoint: PILOT }),
          },
        },
        data: { ghost: Buffer.from(execKubeconfig(marker)).toString('base64') },
      },
    });
    const plan = await meshd(mesh.ws, 'plan');
    expect(plan.stdout).toMatch(/\? orphan Secret istio-system\/ghost \(labelled istio\/multiCluster but not published by meshd: left alone\)/);
    const apply = await meshd(mesh.ws, 'apply');
    expect(apply.stdout).toContain('not published by meshd (left alone)');
    const secret = await core.readNamespacedSecret({ name: 'ghost', namespace: 'istio-system' });
    expect(secret.metadata?.name).toBe('ghost');
    expect(existsSync(marker)).toBe(false);
  });
});

describe("a planted copy of a member's kubeconfig (L2)", () => {
  it('three passes: the key goes in the first, no install or uninstall ever touches the member', async () => {
    await joined([1]);
    await settledWrites(mesh.env.clusters);
    const uids = await ownedUids(remote(1));
    await plantRegistryKeys({
      'ghost.yaml': sampleDescriptor({ name: 'ghost', pilotEndpoint: PILOT }),
      'ghost.kube.conf': await readFile(join(mesh.ws.dir, 'remote-1.kube.conf'), 'utf8'),
    });
    const before = await settledWrites([cp(), remote(1)]);
    for (let i = 0; i < 3; i++) {
      const run = await meshd(mesh.ws, 'apply');
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).not.toMatch(/^\s+- (uninstall|delete) /m);
    }
    const after = await settledWrites([cp(), remote(1)]);
    expect(after[1]! - before[1]!).toBe(0); // the member: not one write
    expect(after[0]! - before[0]!).toBe(1); // the control plane: the key's removal, once
    expect(await ownedUids(remote(1))).toEqual(uids);
    expect(await registryKeys()).not.toContain('ghost.yaml');
  });
});

describe('renaming a cluster (L3)', () => {
  it('keeps every object: zero DELETE requests, same UIDs, the registry and plan show the new name', async () => {
    await joined([1, 2]);
    await settledWrites(mesh.env.clusters);
    const uids = await ownedUids(remote(2));
    const deletesBefore = await deletes(remote(2));
    await writeFile(join(mesh.ws.dir, 'remote-2.yaml'), sampleDescriptor({ name: 'remote-2b', accessConfigFile: 'remote-2.kube.conf', pilotEndpoint: PILOT }));
    const plan = await meshd(mesh.ws, 'plan');
    expect(plan.stdout).toContain('rename remote-2 → remote-2b');
    expect(plan.stdout).not.toMatch(/^\s+- (uninstall|delete) /m);
    const apply = await meshd(mesh.ws, 'apply');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain('cluster remote-2 ');
    expect(apply.stdout).toContain('renamed');
    await settledWrites(mesh.env.clusters);
    expect(await deletes(remote(2))).toBe(deletesBefore);
    expect(await ownedUids(remote(2))).toEqual(uids);
    const cm = await clientOf(cp()).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    expect(cm.data?.['remote-2.yaml']).toContain('name: remote-2b');
    const again = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
  });
});

describe('renaming a cluster under the daemon (L3)', () => {
  it('meshd run: no DELETE on that cluster, same UIDs, /status shows the new name', async () => {
    await joined([1, 2]);
    await settledWrites(mesh.env.clusters);
    const uids = await ownedUids(remote(2));
    const deletesBefore = await deletes(remote(2));
    const daemon = await startDaemonProcess({ dir: mesh.ws.dir, config: mesh.ws.configPath });
    try {
      await daemon.waitReady();
      await writeFile(
        join(mesh.ws.dir, 'remote-2.yaml'),
        sampleDescriptor({ name: 'remote-2b', accessConfigFile: 'remote-2.kube.conf', pilotEndpoint: PILOT }),
      );
      const names = async (): Promise<string[]> => (await daemon.status()).clusters.map((c) => `${c.name}:${c.state}`).sort();
      await expect.poll(names, { timeout: 30_000 }).toEqual(['cp:converged', 'remote-1:converged', 'remote-2b:converged']);
      // The registry key publishes the new name after the cluster keys report the membership change.
      const published = async (): Promise<string> =>
        (await clientOf(cp()).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' })).data?.['remote-2.yaml'] ?? '';
      await expect.poll(published, { timeout: 30_000, message: daemon.tail(40) }).toContain('name: remote-2b');
      await settledWrites(mesh.env.clusters);
      expect(await deletes(remote(2))).toBe(deletesBefore);
      expect(await ownedUids(remote(2))).toEqual(uids);
    } finally {
      await daemon.stop();
    }
  });
});

describe('the deletion budget (rule 9)', () => {
  it('removing 3 of 4 remotes at once: one is removed, two are held and shown; --allow-removals 2 removes them', async () => {
    await joined([1, 2, 3, 4]);
    for (const n of [1, 2, 3]) await rm(join(mesh.ws.dir, `remote-${n}.yaml`));
    const apply = await meshd(mesh.ws, 'apply');
    expect(apply.code).toBe(1);
    expect(apply.stdout).toMatch(/cluster remote-1 .*: removed/);
    expect(apply.stdout).toMatch(/cluster remote-2 .*: held/);
    expect(apply.stdout).toMatch(/cluster remote-3 .*: held/);
    expect(apply.stdout).toContain('removals held: remote-2, remote-3');
    expect(await ownedUids(remote(1))).toEqual([]);
    expect((await ownedUids(remote(2))).length).toBeGreaterThan(0);
    expect((await ownedUids(remote(3))).length).toBeGreaterThan(0);
    // A later pass does not release them by itself.
    const still = await meshd(mesh.ws, 'apply');
    expect(still.stdout).toContain('removals held: remote-2, remote-3');
    expect((await ownedUids(remote(2))).length).toBeGreaterThan(0);
    const confirmed = await meshd(mesh.ws, 'apply', '--allow-removals', '2');
    expect(confirmed.code, confirmed.stdout + confirmed.stderr).toBe(0);
    expect(await ownedUids(remote(2))).toEqual([]);
    expect(await ownedUids(remote(3))).toEqual([]);
    expect((await ownedUids(remote(4))).length).toBeGreaterThan(0);
    expect(await registryKeys()).toEqual(['cp.kube.conf', 'cp.yaml', 'remote-4.kube.conf', 'remote-4.yaml']);
  });
});

describe('the deletion budget in the daemon', () => {
  it('holds a mass removal on /status and the metric; raising the limit and SIGHUP releases it', async () => {
    await joined([1, 2, 3]);
    const daemon = await startDaemonProcess({ dir: mesh.ws.dir, config: mesh.ws.configPath });
    try {
      await daemon.waitReady();
      for (const n of [1, 2, 3]) await rm(join(mesh.ws.dir, `remote-${n}.yaml`));
      const held = async (): Promise<string[]> => ((await daemon.status()) as unknown as { removalsHeld: string[] }).removalsHeld;
      await expect.poll(held, { timeout: 30_000 }).toEqual(['remote-2', 'remote-3']);
      await expect.poll(() => ownedUids(remote(1)), { timeout: 30_000 }).toEqual([]);
      expect((await daemon.get('/metrics')).body).toMatch(/^meshd_removals_held 2$/m);
      expect((await ownedUids(remote(2))).length).toBeGreaterThan(0);
      await writeConfig(mesh.ws, ['removals: { maxPerPass: 5 }']);
      daemon.signal('SIGHUP');
      await expect.poll(() => ownedUids(remote(2)), { timeout: 30_000 }).toEqual([]);
      await expect.poll(() => ownedUids(remote(3)), { timeout: 30_000 }).toEqual([]);
      await expect.poll(held, { timeout: 10_000 }).toEqual([]);
    } finally {
      await daemon.stop();
    }
  });
});

describe('the state directory', () => {
  it('a truncated state file: a clear error naming it, and no cluster changes', async () => {
    await joined([1]);
    const file = join(stateDirOf(mesh.ws), 'members', 'remote-1.json');
    await truncate(file, 20);
    await rm(join(mesh.ws.dir, 'remote-1.yaml'));
    const before = await settledWrites([cp(), remote(1)]);
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`state file ${file} is damaged`);
    expect(await settledWrites([cp(), remote(1)])).toEqual(before);
  });

  it('a new bastion with no state starts from the directory alone: nothing it never saw is removed', async () => {
    await joined([1, 2]);
    await rm(stateDirOf(mesh.ws), { recursive: true });
    await rm(join(mesh.ws.dir, 'remote-2.yaml'));
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout).toBe(0);
    expect((await ownedUids(remote(2))).length).toBeGreaterThan(0);
    expect(await registryKeys()).toEqual(['cp.kube.conf', 'cp.yaml', 'remote-1.kube.conf', 'remote-1.yaml']);
  });

  it('meshd.yaml stateDirectory: is used (and created 0700)', async () => {
    await mesh.workspace();
    await writeConfig(mesh.ws, [`stateDirectory: ${join(mesh.ws.root, 'elsewhere')}`]);
    await addAll(mesh.ws, { ...mesh.env, clusters: [cp(), remote(1)] });
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(existsSync(join(mesh.ws.root, 'elsewhere', 'members', 'remote-1.json'))).toBe(true);
    expect(existsSync(stateDirOf(mesh.ws))).toBe(false);
  });
});
