// Ownership by identity (trust-boundary issue, point 4): meshd deletes only what its journal on the
// bastion recorded creating (UID) and what still carries its label; the release inventory in a
// remote is authenticated and never decides a deletion. Each test is named after the attack it
// replays (shared/reference/attack-report.md, L6 and L7).
import type { ClusterHandle } from '@meshd/testenv';
import { describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemonProcess } from '@meshd/testkit';
import { meshdOwnedObjects, releaseInventory } from './support/remote-objects.js';
import { clientOf, meshd, useJoinedMesh } from './support/mesh.js';

const mesh = useJoinedMesh(4);
const cp = (): ClusterHandle => mesh.cp();
const remote = (i: number): ClusterHandle => mesh.remote(i);
const INVENTORY = 'meshd-release-istio-remote';
const MANAGED = { 'app.kubernetes.io/managed-by': 'meshd' };

/** A workspace with the control plane and remote i joined by one `meshd apply`. */
const joined = (i: number, extra: string[] = []): Promise<void> => mesh.joined([i], extra);

/** A ConfigMap labelled as meshd's that meshd never created (what an attacker or a confused user plants). */
async function plantLookAlike(cluster: ClusterHandle, name = 'planted'): Promise<void> {
  await clientOf(cluster).core.createNamespacedConfigMap({ namespace: 'istio-system', body: { metadata: { name, labels: MANAGED }, data: { k: 'v' } } });
}

/** Appends refs to the inventory's data.objects the way `kubectl edit` would (another field manager, MAC untouched). */
async function appendToInventory(cluster: ClusterHandle, refs: object[]): Promise<void> {
  const core = clientOf(cluster).core;
  const cm = await core.readNamespacedConfigMap({ name: INVENTORY, namespace: 'istio-system' });
  const objects = [...(JSON.parse(cm.data?.objects ?? '[]') as object[]), ...refs];
  await core.patchNamespacedConfigMap(
    { name: INVENTORY, namespace: 'istio-system', body: { data: { objects: JSON.stringify(objects) } }, fieldManager: 'kubectl-edit' },
    { contentType: 'application/merge-patch+json' },
  );
}

const keys = async (cluster: ClusterHandle): Promise<string[]> => (await meshdOwnedObjects(cluster)).map((o) => o.key);
const exists = (p: Promise<unknown>): Promise<boolean> =>
  p.then(
    () => true,
    () => false,
  );

describe('the release inventory deleted (L6)', () => {
  it('inventory deleted, then descriptor removed: every object meshd created on that remote is gone, and a planted same-labelled object (UID not recorded) is still there', async () => {
    await joined(1);
    const created = await keys(remote(1));
    expect(created.length).toBeGreaterThan(8);
    await plantLookAlike(remote(1));
    await clientOf(remote(1)).core.deleteNamespacedConfigMap({ name: INVENTORY, namespace: 'istio-system' });
    await rm(join(mesh.ws.dir, 'remote-1.yaml'));
    const plan = await meshd(mesh.ws, 'plan');
    expect(plan.stdout).toContain('removing what the journal recorded');
    const apply = await meshd(mesh.ws, 'apply');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/cluster remote-1 .*: removed/);
    expect(await keys(remote(1))).toEqual(['ConfigMap istio-system/planted']);
    expect(await exists(clientOf(remote(1)).core.readNamespacedConfigMap({ name: 'planted', namespace: 'istio-system' }))).toBe(true);
  });

  it('inventory deleted while the cluster stays: the next pass rewrites it from the journal, with UIDs and a MAC', async () => {
    await joined(2);
    const before = await releaseInventory(remote(2));
    await clientOf(remote(2)).core.deleteNamespacedConfigMap({ name: INVENTORY, namespace: 'istio-system' });
    const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(plan.code, plan.stdout).toBe(2);
    expect(plan.stdout).toContain('no inventory was found (it is rewritten from the journal)');
    const apply = await meshd(mesh.ws, 'apply');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).not.toMatch(/- delete/);
    const after = await clientOf(remote(2)).core.readNamespacedConfigMap({ name: INVENTORY, namespace: 'istio-system' });
    expect(after.data?.phase).toBe('applied');
    expect(after.data?.mac).toMatch(/^[0-9a-f]{64}$/);
    const objects = JSON.parse(after.data?.objects ?? '[]') as { uid?: string }[];
    expect(objects.every((o) => typeof o.uid === 'string' && o.uid.length > 0)).toBe(true);
    expect((await releaseInventory(remote(2)))?.objects.sort()).toEqual(before?.objects.sort());
    const again = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
  });
});

describe('the release inventory edited (L7)', () => {
  it('inventory edited to list a foreign object or namespace (with createNamespaces and a user ConfigMap in it): it survives, and /status (or `meshd plan`/`apply` output) reports the tampering', async () => {
    const cpCore = clientOf(cp()).core;
    await cpCore.createNamespace({ body: { metadata: { name: 'apps' } } });
    await cpCore.createNamespacedSecret({
      namespace: 'apps',
      body: { metadata: { name: 'istio.default' }, type: 'istio.io/key-and-cert', stringData: { 'cert-chain.pem': 'CERT' } },
    });
    await joined(3, ['secrets: { names: [istio.default], namespaces: [default, apps], createNamespaces: true }']);
    const core = clientOf(remote(3)).core;
    expect((await core.readNamespace({ name: 'apps' })).metadata?.labels).toMatchObject(MANAGED);
    await core.createNamespacedConfigMap({ namespace: 'apps', body: { metadata: { name: 'payments-data' }, data: { k: 'precious' } } });
    await plantLookAlike(remote(3));
    const foreign = [
      { apiVersion: 'v1', kind: 'Namespace', name: 'apps' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'istio-system', name: 'planted' },
    ];
    await appendToInventory(remote(3), foreign);

    const plan = await meshd(mesh.ws, 'plan');
    expect(plan.stdout).toContain('MESHD_ERR_INVENTORY_TAMPERED');
    expect(plan.stdout).not.toMatch(/- delete/);
    const apply = await meshd(mesh.ws, 'apply');
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain('MESHD_ERR_INVENTORY_TAMPERED');
    const survivors = async (): Promise<boolean[]> =>
      Promise.all([
        exists(core.readNamespace({ name: 'apps' })),
        exists(core.readNamespacedConfigMap({ name: 'payments-data', namespace: 'apps' })),
        exists(core.readNamespacedConfigMap({ name: 'planted', namespace: 'istio-system' })),
      ]);
    expect(await survivors()).toEqual([true, true, true]);
    // The pass rewrote the inventory: authentic again, listing only the release's objects.
    expect((await releaseInventory(remote(3)))?.objects).not.toContain('Namespace apps');

    // The daemon watches the inventory: a second edit shows on /status within seconds.
    const daemon = await startDaemonProcess({ dir: mesh.ws.dir, config: mesh.ws.configPath });
    try {
      await daemon.waitReady();
      await appendToInventory(remote(3), foreign);
      await expect
        .poll(async () => (await daemon.status()).clusters.find((c) => c.name === 'remote-3')?.warnings?.join('\n') ?? '', { timeout: 20_000, interval: 200 })
        .toContain('MESHD_ERR_INVENTORY_TAMPERED');
    } finally {
      await daemon.stop();
    }
    expect(await survivors()).toEqual([true, true, true]);
  });
});
