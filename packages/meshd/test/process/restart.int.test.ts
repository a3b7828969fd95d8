// Rule 7 through the real process: `meshd run` killed with SIGKILL in the middle of an apply (an
// install, then an upgrade that prunes objects), restarted, converges to exactly what the release
// inventory lists on every remote: nothing duplicated, nothing orphaned, nothing left half-done.
import type { ClusterHandle } from '@meshd/testenv';
import { describe, expect, it } from 'vitest';
import { clientOf, endpointIps, writeConfig } from '../../../../test/support/mesh.js';
import { until } from '@meshd/testkit';
import { useProcessFixture } from './fixture.js';
import { firstEvent, meshdOwnedObjects, releaseInventory, releaseObjects, type FirstEvent } from '../../../../test/support/remote-objects.js';

// Behind the fault proxy: latency on the remotes' links while meshd applies makes the apply slow
// enough that the kill lands in its middle however loaded the machine is (the watch that triggers
// the kill reads the API server directly).
const fx = useProcessFixture({ joined: 3, daemon: false, proxy: true });
const remotes = (): ClusterHandle[] => fx.env.clusters.slice(1);
const APPLY_LATENCY_MS = 60;

/** Slows every answer the remotes' API servers give meshd, until healed. */
async function slowRemotes(): Promise<void> {
  for (const r of remotes()) await r.faults!.latency(APPLY_LATENCY_MS);
}

async function healRemotes(): Promise<void> {
  for (const r of remotes()) await r.faults!.heal();
}

const sortKeys = (keys: readonly string[]): string[] => [...keys].sort((a, b) => a.localeCompare(b));

/** Waits for `event`, then SIGKILLs the daemon; returns what each remote looked like at that moment. */
async function killOn(event: FirstEvent, what: string): Promise<{ cluster: string; phase: string | undefined; objects: string[]; live: string[] }[]> {
  const running = fx.daemon;
  const timeout = setTimeout(() => running.signal('SIGKILL'), 60_000);
  const seen = await Promise.race([event.seen, running.exited.then(() => undefined)]);
  running.signal('SIGKILL');
  clearTimeout(timeout);
  event.stop();
  const exit = await running.exited;
  expect(seen, `no ${what} before meshd exited; output:\n${running.tail()}`).toBeDefined();
  expect(exit.signal).toBe('SIGKILL');
  return Promise.all(
    remotes().map(async (r) => {
      const inventory = await releaseInventory(r);
      return { cluster: r.name, phase: inventory?.phase, objects: inventory?.objects ?? [], live: releaseObjects(await meshdOwnedObjects(r)) };
    }),
  );
}

/** Restarts the daemon and waits until /readyz is 200 and /status shows every cluster converged. */
async function restartAndConverge(): Promise<void> {
  await fx.startDaemon();
  await fx.daemon.waitReady();
  const names = fx.env.clusters.map((c) => c.name);
  await until(
    'every cluster converged',
    async () => {
      const status = await fx.daemon.status();
      return names.every((n) => status.clusters.find((c) => c.name === n)?.state === 'converged') ? true : undefined;
    },
    { timeoutMs: 60_000, context: () => fx.daemon.tail() },
  );
}

/** The user's check: the inventory is applied, lists each object once, and is exactly what meshd owns there. */
async function expectExactRelease(remote: ClusterHandle): Promise<string[]> {
  const inventory = await releaseInventory(remote);
  expect(inventory?.phase, remote.name).toBe('applied');
  const listed = inventory?.objects ?? [];
  expect(new Set(listed).size, `${remote.name}: an object listed twice`).toBe(listed.length);
  const owned = await meshdOwnedObjects(remote);
  expect(sortKeys(releaseObjects(owned)), `${remote.name}: owned objects vs inventory`).toEqual(sortKeys(listed));
  expect(owned.filter((o) => o.labels['meshd.io/component'] === 'secrets').map((o) => o.key)).toEqual(['Secret default/istio.default']);
  expect(await endpointIps(remote, 'istio-pilot')).toEqual([await fx.env.controlPlane.podIp('pilot')]);
  return sortKeys(listed);
}

describe('meshd run killed with SIGKILL mid-apply, then restarted', () => {
  it('finishes an interrupted install: each remote holds exactly its inventory', async () => {
    // Objects are applied in kind order (service accounts and RBAC first, Services later): kill on the first Service.
    const firstService = await firstEvent(remotes(), '/api/v1/namespaces/istio-system/services', {
      types: ['ADDED'],
      query: { labelSelector: 'app.kubernetes.io/managed-by=meshd' },
    });
    await fx.startDaemon();
    await slowRemotes();
    const atKill = await killOn(firstService, 'a release Service created');
    await healRemotes();
    console.log(
      `at SIGKILL: ${atKill.map((r) => `${r.cluster} inventory ${r.phase ?? 'absent'}, ${r.live.length} of ${r.objects.length} objects live`).join('; ')}`,
    );
    const halfDone = atKill.filter((r) => r.phase === 'applying' && r.live.length > 0 && r.live.length < r.objects.length);
    expect(halfDone.length, 'killed with some but not all objects of an install applied').toBeGreaterThan(0);

    await restartAndConverge();
    const [first, second] = await Promise.all(remotes().map(expectExactRelease));
    expect(first).toEqual(second);
    expect(first).toContain('ClusterRole istio-citadel-istio-system');
  });

  it('finishes an interrupted upgrade that prunes objects: none is orphaned', async () => {
    // The upgrade updates the Citadel Deployment first, then deletes the RBAC objects, then records the inventory.
    const upgraded = await firstEvent(remotes(), '/apis/apps/v1/namespaces/istio-system/deployments', {
      types: ['MODIFIED'],
      query: { fieldSelector: 'metadata.name=istio-citadel' },
      object: (obj) => JSON.stringify(obj).includes('citadel:0.8.1'),
    });
    await writeConfig(fx.ws, ['values: { global: { rbacEnabled: false, tag: 0.8.1 } }']);
    await slowRemotes();
    fx.daemon.signal('SIGHUP');
    const atKill = await killOn(upgraded, 'Citadel Deployment upgraded');
    await healRemotes();
    console.log(
      `at SIGKILL: ${atKill.map((r) => `${r.cluster} inventory ${r.phase ?? 'absent'} listing ${r.objects.length} objects, ${r.live.length} live`).join('; ')}`,
    );
    expect(
      atKill.some((r) => r.objects.includes('ClusterRole istio-citadel-istio-system')),
      'killed before the upgrade was recorded everywhere',
    ).toBe(true);

    await restartAndConverge();
    for (const remote of remotes()) {
      const listed = await expectExactRelease(remote);
      expect(listed.filter((k) => k.startsWith('ClusterRole'))).toEqual([]);
      const deployment = await clientOf(remote).apps.readNamespacedDeployment({ name: 'istio-citadel', namespace: 'istio-system' });
      expect(deployment.spec?.template.spec?.containers[0]?.image).toBe('docker.io/istio/citadel:0.8.1');
    }
  });
});
