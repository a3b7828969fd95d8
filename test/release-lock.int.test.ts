// Issue 14 step 2: a release another writer holds is `locked`. A pending inventory carrying a live
// hold (another writer, its process running, not lapsed) makes meshd write nothing to that release and
// report it locked (MESHD_ERR_RELEASE_LOCKED, retried); once the hold lapses, or its process is gone
// (a crash), the next pass finishes the job and reports the steps it took. Two writers that observed
// the same inventory cannot both go on: taking the hold is a conditional write. Real kube-apiservers;
// the release is core's engine around the throwaway fixture renderer (no helm).
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { ClusterClient } from '@meshd/core/cluster';
import { applyObject, deleteObject, refOf } from '@meshd/core/kube';
import type { KubeObject } from '@meshd/core/kube';
import { inventoryObject, parseInventory, rendererBackend } from '@meshd/core/release';
import type { InventoryRecord, ReleaseHold } from '@meshd/core/release';
import { StateStore } from '@meshd/core/state';
import { observeAndPlan } from '@meshd/core';
import type { ComponentPlan, ComponentReport, PassReport } from '@meshd/core';
import { silentLogger } from '@meshd/testkit';
import { FIXTURE_RENDERER, fixtureRendererPlugin } from './fixtures/renderer-plugin/index.js';
import { FIXTURE_CONFIG, fixtureApply, fixtureManifestOf, fixtureService, writeFixtureManifest } from './support/fixture-renderer.js';
import { clientOf, stateDirOf, useMesh } from './support/mesh.js';

const NS = 'istio-system';
const INVENTORY = 'meshd-release-istio-remote';
const settings: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lock-settings', namespace: NS }, data: { owner: 'fixture' } };
const echo = fixtureService('lock-echo', NS);
const extra = fixtureService('lock-extra', NS);

const mesh = useMesh({ count: 2, config: FIXTURE_CONFIG });
const remote = (): ClusterClient => clientOf(mesh.remote(1));

/** One `meshd apply` pass; its report and the remote's fixture component in it. */
async function pass(): Promise<{ report: PassReport; component: ComponentReport | undefined }> {
  const report = await fixtureApply(mesh.ws);
  const cluster = report.clusters.find((c) => c.name === mesh.remote(1).name);
  return { report, component: cluster?.components.find((c) => c.component === FIXTURE_RENDERER) };
}

/** The release inventory as it is on the remote (parsed, not authenticated). */
async function inventory(): Promise<InventoryRecord | undefined> {
  const cm = await remote().core.readNamespacedConfigMap({ name: INVENTORY, namespace: NS });
  return parseInventory(cm as unknown as KubeObject);
}

/** Writes the inventory as another meshd on this bastion would while it applies: pending, with its hold, authenticated. */
async function plantHold(hold: ReleaseHold): Promise<void> {
  const current = await inventory();
  if (!current) throw new Error('no inventory to hold');
  const state = await StateStore.open(stateDirOf(mesh.ws), { readOnly: true });
  await applyObject(remote(), inventoryObject(NS, { ...current, phase: 'applying', hold }, state.inventoryKey()));
}

async function serviceExists(name: string): Promise<boolean> {
  try {
    await remote().core.readNamespacedService({ name, namespace: NS });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}

/** The pid of a process that ran and exited: a writer that crashed. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

const otherWriter = (p: Partial<ReleaseHold> = {}): ReleaseHold => ({
  writer: 'meshd-another-writer',
  host: hostname(),
  pid: process.pid,
  until: Date.now() + 10 * 60_000,
  ...p,
});

describe('a release another writer holds', () => {
  it('installs, taking and dropping its own hold: the steps say absent → install, then converged', async () => {
    await writeFixtureManifest(mesh.ws, [settings, echo]);
    const { component } = await pass();
    expect(component).toMatchObject({ state: 'absent', stopped: 'converged', finalState: 'in-sync' });
    expect(component?.steps?.map((s) => `${s.state} → ${s.action}`)).toEqual(['absent → install']);
    const record = await inventory();
    expect(record?.phase).toBe('applied');
    expect(record?.hold).toBeUndefined();
  });

  it('is not written while the hold is live: reported locked, the drift left as it is, the inventory untouched', async () => {
    await plantHold(otherWriter());
    await deleteObject(remote(), refOf(echo));
    const planted = await remote().core.readNamespacedConfigMap({ name: INVENTORY, namespace: NS });

    const { report, component } = await pass();
    expect(component).toMatchObject({ state: 'locked', writes: 0, changes: [] });
    expect(component?.error?.code).toBe('MESHD_ERR_RELEASE_LOCKED');
    expect(component?.reason).toContain('meshd-another-writer');
    expect(report.clusters.find((c) => c.name === mesh.remote(1).name)?.state).not.toBe('converged');
    expect(await serviceExists('lock-echo')).toBe(false);
    const after = await remote().core.readNamespacedConfigMap({ name: INVENTORY, namespace: NS });
    expect(after.metadata?.resourceVersion).toBe(planted.metadata?.resourceVersion);
  });

  it('converges on the next pass once the hold lapsed: the crashed pass is finished (failed → retry)', async () => {
    await plantHold(otherWriter({ until: Date.now() - 1 }));
    const { component } = await pass();
    expect(component).toMatchObject({ state: 'failed', stopped: 'converged', finalState: 'in-sync' });
    expect(component?.error).toBeUndefined();
    expect(component?.steps?.map((s) => `${s.state} → ${s.action}`)).toEqual(['failed → retry']);
    expect(await serviceExists('lock-echo')).toBe(true);
    expect(await inventory()).toMatchObject({ phase: 'applied' });
    expect((await inventory())?.hold).toBeUndefined();
  });

  it('does not wait for a hold whose writer died on this host (its pid is gone): finished at once', async () => {
    await plantHold(otherWriter({ pid: await deadPid() }));
    await deleteObject(remote(), refOf(echo));
    const { component } = await pass();
    expect(component).toMatchObject({ state: 'failed', stopped: 'converged' });
    expect(await serviceExists('lock-echo')).toBe(true);
    expect((await inventory())?.hold).toBeUndefined();
  });

  /** This pass's plan, observed and planned now (its apply not yet run). */
  async function planNow(): Promise<ComponentPlan & { apply(): Promise<unknown> }> {
    const manifest = fixtureManifestOf(mesh.ws);
    const renderer = fixtureRendererPlugin.create({ logger: silentLogger(), config: { manifest }, signal: new AbortController().signal });
    const engine = rendererBackend({ name: FIXTURE_RENDERER, renderer, release: { name: 'istio-remote', namespace: NS }, logger: silentLogger() });
    const target = { name: mesh.remote(1).name, role: 'remote' as const, client: remote(), overrides: {} };
    const endpoints = { pilot: '192.0.2.10', policy: '192.0.2.11', statsd: '192.0.2.12' };
    const { plan } = await observeAndPlan(engine, target, { controlPlane: { ...target, role: 'control-plane' }, endpoints, adopt: false, prune: true });
    return { ...plan, apply: () => engine.apply(plan, target) };
  }

  it('a hold another writer takes between observe and apply stops an install at its one conditional write', async () => {
    // This pass observes and plans a new object; another writer then takes the hold; the plan's apply must not write past it.
    await writeFixtureManifest(mesh.ws, [settings, echo, extra]);
    const plan = await planNow();
    expect(plan.changes.map((c) => `${c.op} ${c.kind}/${c.name}`)).toContain('create Service/lock-extra');

    await plantHold(otherWriter());
    const planted = await remote().core.readNamespacedConfigMap({ name: INVENTORY, namespace: NS });
    await expect(plan.apply()).rejects.toMatchObject({ code: 'MESHD_ERR_RELEASE_LOCKED', writes: 1 });
    expect(await serviceExists('lock-extra')).toBe(false);
    const after = await remote().core.readNamespacedConfigMap({ name: INVENTORY, namespace: NS });
    expect(after.metadata?.resourceVersion).toBe(planted.metadata?.resourceVersion);
  });

  it('an in-place repair takes no hold (no extra write); a writer that came in between is found at its conditional inventory write', async () => {
    await writeFixtureManifest(mesh.ws, [settings, echo]);
    await plantHold(otherWriter({ until: Date.now() - 1 }));
    expect((await pass()).component).toMatchObject({ finalState: 'in-sync' });
    await deleteObject(remote(), refOf(echo));
    const plan = await planNow();
    expect(plan.changes.map((c) => `${c.op} ${c.kind}/${c.name}`)).toContain('create Service/lock-echo');
    expect(plan.changes.every((c) => c.op !== 'delete')).toBe(true);

    await plantHold(otherWriter());
    const planted = await remote().core.readNamespacedConfigMap({ name: INVENTORY, namespace: NS });
    // The repair writes its objects and no pending inventory; the final inventory write is refused.
    await expect(plan.apply()).rejects.toMatchObject({ code: 'MESHD_ERR_RELEASE_LOCKED', writes: plan.changes.length + 1 });
    const after = await remote().core.readNamespacedConfigMap({ name: INVENTORY, namespace: NS });
    expect(after.metadata?.resourceVersion).toBe(planted.metadata?.resourceVersion);
    expect((await inventory())?.hold?.writer).toBe('meshd-another-writer');
  });
});
