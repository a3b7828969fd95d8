// Issue 14 step 2, done-when: a throwaway renderer plugin (test/fixtures/renderer-plugin: a fixed
// manifest, nothing but a render function) registered with one line converges a remote, and core's
// release engine does the rest: the objects and an inventory on install, a prune when the manifest
// drops an object (only that one), and an uninstall when the cluster's descriptor is removed (all it
// made, nothing else). Real kube-apiservers; the pass is meshd's own (runCommandPass).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterClient } from '@meshd/core/cluster';
import type { KubeObject } from '@meshd/core/kube';
import type { PassReport } from '@meshd/core';
import { FIXTURE_RENDERER } from './fixtures/renderer-plugin/index.js';
import { FIXTURE_CONFIG, fixtureApply, fixtureService, writeFixtureManifest } from './support/fixture-renderer.js';
import { clientOf, useMesh } from './support/mesh.js';

const NS = 'istio-system';

const configMap = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { owner: 'fixture' } });
const service = fixtureService('fixture-echo', NS);

const mesh = useMesh({ count: 2, config: FIXTURE_CONFIG });
const writeManifest = (objects: readonly KubeObject[]): Promise<void> => writeFixtureManifest(mesh.ws, objects);

/** One `meshd apply` pass with the fixture's plugin list; fails the test when it does not converge. */
async function apply(): Promise<PassReport> {
  const report = await fixtureApply(mesh.ws);
  expect(report.errors, JSON.stringify(report.errors)).toEqual([]);
  for (const c of report.clusters) expect(c.lastError, `${c.name}: ${JSON.stringify(c.lastError)}`).toBeUndefined();
  return report;
}

/** An object's UID on the remote, or undefined when it does not exist. */
async function uidOf(client: ClusterClient, kind: 'ConfigMap' | 'Service', name: string): Promise<string | undefined> {
  try {
    const obj =
      kind === 'ConfigMap'
        ? await client.core.readNamespacedConfigMap({ name, namespace: NS })
        : await client.core.readNamespacedService({ name, namespace: NS });
    return obj.metadata?.uid;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** The objects the release's inventory (core's, in the remote) lists, as KIND/NAME. */
async function inventoryOf(client: ClusterClient): Promise<string[] | undefined> {
  try {
    const cm = await client.core.readNamespacedConfigMap({ name: 'meshd-release-istio-remote', namespace: NS });
    return (JSON.parse(cm.data?.objects ?? '[]') as { kind: string; name: string }[]).map((o) => `${o.kind}/${o.name}`).sort();
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

const componentOf = (report: PassReport, cluster: string) =>
  report.clusters.find((c) => c.name === cluster)?.components.find((c) => c.component === FIXTURE_RENDERER);

describe('a renderer plugin in one package plus one registration line', () => {
  let bystander: string | undefined;
  let settings: string | undefined;

  it('converges a remote: its objects applied with the endpoints core gave it, and an inventory written', async () => {
    const remote = clientOf(mesh.remote(1));
    await remote.core.createNamespace({ body: { metadata: { name: NS } } }).catch((err: { code?: number }) => {
      if (err.code !== 409) throw err;
    });
    await remote.core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'bystander' }, data: { owner: 'someone else' } } });
    bystander = await uidOf(remote, 'ConfigMap', 'bystander');
    await writeManifest([configMap('fixture-settings'), service]);
    const report = await apply();
    const component = componentOf(report, mesh.remote(1).name);
    expect(component).toMatchObject({ state: 'absent' });
    expect(component?.changes.map((c) => `${c.op} ${c.kind}/${c.name}`)).toEqual(['create ConfigMap/fixture-settings', 'create Service/fixture-echo']);
    const cm = await remote.core.readNamespacedConfigMap({ name: 'fixture-settings', namespace: NS });
    expect(cm.data).toEqual({ owner: 'fixture', pilot: report.endpoints?.pilot });
    expect(cm.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('meshd');
    settings = cm.metadata?.uid;
    expect(await uidOf(remote, 'Service', 'fixture-echo')).toBeDefined();
    expect(await inventoryOf(remote)).toEqual(['ConfigMap/fixture-settings', 'Service/fixture-echo']);
    // Nothing rendered for the control plane: a renderer runs on remotes only.
    expect(await uidOf(clientOf(mesh.cp()), 'ConfigMap', 'fixture-settings')).toBeUndefined();
  });

  it('is in sync on the next pass: nothing written', async () => {
    const report = await apply();
    expect(componentOf(report, mesh.remote(1).name)).toMatchObject({ state: 'in-sync', writes: 0, changes: [] });
  });

  it('prunes the object the manifest drops, and only it', async () => {
    await writeManifest([configMap('fixture-settings')]);
    const report = await apply();
    expect(componentOf(report, mesh.remote(1).name)?.changes.map((c) => `${c.op} ${c.kind}/${c.name}`)).toEqual(['delete Service/fixture-echo']);
    const remote = clientOf(mesh.remote(1));
    expect(await uidOf(remote, 'Service', 'fixture-echo')).toBeUndefined();
    expect(await uidOf(remote, 'ConfigMap', 'fixture-settings')).toBe(settings);
    expect(await uidOf(remote, 'ConfigMap', 'bystander')).toBe(bystander);
    expect(await inventoryOf(remote)).toEqual(['ConfigMap/fixture-settings']);
  });

  it('uninstalls everything it made when the cluster leaves the mesh, and nothing else', async () => {
    const name = mesh.remote(1).name;
    await rm(join(mesh.ws.dir, `${name}.yaml`));
    await rm(join(mesh.ws.dir, `${name}.kube.conf`));
    const report = await apply();
    expect(report.clusters.find((c) => c.name === name)?.state).toBe('removed');
    expect(componentOf(report, name)?.changes.map((c) => `${c.op} ${c.kind}/${c.name}`)).toEqual(['delete ConfigMap/fixture-settings']);
    const remote = clientOf(mesh.remote(1));
    expect(await uidOf(remote, 'ConfigMap', 'fixture-settings')).toBeUndefined();
    expect(await inventoryOf(remote)).toBeUndefined();
    expect(await uidOf(remote, 'ConfigMap', 'bystander')).toBe(bystander);
  });
});
