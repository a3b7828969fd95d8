// The secrets plugin against real kube-apiservers from @meshd/testenv: `cp` runs the stand-in Istio
// control plane (istio.default in istio-system, default, app-1..3), remote-1 and remote-2 are empty.
// The tests run in order and build on each other, as passes of a daemon would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { hasCode } from '@meshd/core';
import { type ClusterClient } from '@meshd/core/cluster';
import { recordingLogger } from '@meshd/testkit';
import {
  applyLikeThePass,
  connect,
  decoded,
  ensureNamespace,
  meshOf,
  observeMeshOf,
  planOn,
  planRemovalOn,
  readSecret,
  remoteTarget,
  secretsComponent,
  shown,
  type BoundPlan,
} from './helpers.js';

const APPS = ['app-1', 'app-2', 'app-3'];
const logger = recordingLogger();
/** Every secret value the test saw; none may appear in a plan, a reason or a log line. */
const values = new Set<string>();

let env: TestEnv;
let cp: ClusterClient;
let remotes: ClusterClient[];

function remember(data: Record<string, string> | undefined): void {
  for (const v of Object.values(data ?? {})) {
    values.add(v);
    values.add(Buffer.from(v, 'base64').toString('utf8'));
  }
}

function expectNoValues(text: string): void {
  for (const v of values) if (v.length >= 16) expect(text.includes(v), 'a secret value leaked into output').toBe(false);
}

/** One pass of the component over both remotes: the sources observed once, each remote planned, applied like the pass does. */
async function pass(config: unknown, opts: { adopt?: boolean; overrides?: Record<string, unknown> } = {}): Promise<{ plans: BoundPlan[]; writes: number[] }> {
  const component = secretsComponent(config, logger);
  const mesh = meshOf(cp, opts);
  const targets = remotes.map((r) => remoteTarget(r, opts.overrides));
  const observing = observeMeshOf(component, mesh, targets);
  const plans = await Promise.all(targets.map((target) => planOn(component, target, mesh, observing)));
  for (const plan of plans) expectNoValues(shown(plan));
  const writes = await Promise.all(plans.map(applyLikeThePass));
  return { plans, writes };
}

async function sourceData(namespace: string): Promise<Record<string, string>> {
  const source = await readSecret(cp, namespace, 'istio.default');
  remember(source?.data);
  return source?.data ?? {};
}

async function secretWrites(): Promise<number[]> {
  return Promise.all(env.clusters.map((c) => c.writeRequestCount({ resources: ['secrets', 'namespaces'] })));
}

const threeApps = { namespaces: APPS };

beforeAll(async () => {
  env = await startClusters({ count: 3, appNamespaces: APPS });
  cp = await connect(env.clusters[0]!);
  remotes = await Promise.all(env.clusters.slice(1).map(connect));
  await Promise.all(remotes.flatMap((r) => APPS.map((ns) => ensureNamespace(r, ns))));
});

afterAll(async () => {
  await env?.stop();
});

/** A remote's copy of istio.default in `ns`: the source's data and type, meshd's labels and source annotations. */
async function expectCopy(remote: ClusterClient, ns: string): Promise<void> {
  const copy = await readSecret(remote, ns, 'istio.default');
  expect(copy?.data).toEqual(await sourceData(ns));
  expect(copy?.type).toBe('istio.io/key-and-cert');
  expect(copy?.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'meshd', 'meshd.io/component': 'secrets' });
  expect(copy?.metadata?.annotations).toMatchObject({ 'meshd.io/source': `cp/${ns}/istio.default`, 'istio.io/service-account.name': 'default' });
  expect(copy?.metadata?.annotations?.['meshd.io/source-hash']).toMatch(/^[0-9a-f]{64}$/);
}

describe('secrets plugin on real clusters', () => {
  it('replicates istio.default of 3 namespaces to 2 empty remotes', async () => {
    const { plans, writes } = await pass(threeApps);
    for (const plan of plans) {
      expect(plan).toMatchObject({ component: 'secrets', state: 'absent', reason: 'copies: 3 create' });
      expect(plan.changes.map((c) => `${c.op} ${c.namespace}/${c.name}`)).toEqual(APPS.map((ns) => `create ${ns}/istio.default`));
    }
    expect(writes).toEqual([3, 3]);
    for (const remote of remotes) for (const ns of APPS) await expectCopy(remote, ns);
  });

  it('makes zero write requests on a pass with nothing to do (API server metrics)', async () => {
    const before = await secretWrites();
    const { plans } = await pass(threeApps);
    for (const plan of plans) {
      expect(plan).toMatchObject({ state: 'in-sync', reason: 'copies: 3 in sync', changes: [] });
      expect(await plan.apply()).toBe(0);
    }
    expect(await secretWrites()).toEqual(before);
  });

  it('carries a rotation of every source to all 6 copies on the next pass', async () => {
    const rotated = Object.fromEntries(await Promise.all(APPS.map(async (ns) => [ns, await env.controlPlane.rotateIstioDefault(ns)] as const)));
    for (const data of Object.values(rotated)) for (const v of Object.values(data)) values.add(v);
    const started = performance.now();
    const { plans, writes } = await pass(threeApps);
    const elapsedMs = performance.now() - started;
    for (const plan of plans) {
      expect(plan.state).toBe('out-of-sync');
      expect(plan.changes.map((c) => `${c.op} ${c.namespace}/${c.name}`)).toEqual(APPS.map((ns) => `update ${ns}/istio.default`));
      expect(plan.changes[0]?.detail?.some((d) => /^copy has @[0-9a-f]{12}$/.test(d))).toBe(true);
    }
    expect(writes).toEqual([3, 3]);
    for (const remote of remotes) {
      for (const ns of APPS) expect(decoded(await readSecret(remote, ns, 'istio.default'))).toEqual(rotated[ns]);
    }
    console.log(`rotation of 3 sources reached 6 copies in one pass of ${elapsedMs.toFixed(0)} ms`);
  });

  it('restores a copy edited on a remote and one deleted there', async () => {
    const edited = (await readSecret(remotes[0]!, 'app-2', 'istio.default'))!;
    edited.data = { ...edited.data, 'key.pem': Buffer.from('tampered with by hand').toString('base64') };
    await remotes[0]!.core.replaceNamespacedSecret({ namespace: 'app-2', name: 'istio.default', body: edited });
    await remotes[1]!.core.deleteNamespacedSecret({ namespace: 'app-3', name: 'istio.default' });
    const { plans, writes } = await pass(threeApps);
    expect(plans[0]).toMatchObject({
      state: 'drifted',
      changes: [
        {
          op: 'update',
          namespace: 'app-2',
          name: 'istio.default',
          detail: ['drifted', 'changed .data.key.pem', expect.stringMatching(/^source cp\/app-2\/istio.default @/)],
        },
      ],
    });
    expect(plans[1]!.changes).toMatchObject([{ op: 'create', namespace: 'app-3', name: 'istio.default' }]);
    expect(writes).toEqual([1, 1]);
    expect((await readSecret(remotes[0]!, 'app-2', 'istio.default'))?.data).toEqual(await sourceData('app-2'));
    expect((await readSecret(remotes[1]!, 'app-3', 'istio.default'))?.data).toEqual(await sourceData('app-3'));
  });

  it('deletes the copies of a namespace removed from the set, and nothing else', async () => {
    const { plans, writes } = await pass({ namespaces: ['app-1', 'app-2'] });
    for (const plan of plans) expect(plan.changes.map((c) => `${c.op} ${c.namespace}/${c.name}`)).toEqual(['delete app-3/istio.default']);
    expect(writes).toEqual([1, 1]);
    for (const remote of remotes) {
      expect(await readSecret(remote, 'app-3', 'istio.default')).toBeNull();
      expect(await readSecret(remote, 'app-1', 'istio.default')).not.toBeNull();
      expect((await remote.core.readNamespace({ name: 'app-3' })).metadata?.name).toBe('app-3');
    }
    expect(await readSecret(cp, 'app-3', 'istio.default')).not.toBeNull();
  });

  it('leaves a same-named secret meshd does not own untouched, with a clear error, and still updates the rest', async () => {
    await ensureNamespace(cp, 'app-4');
    await cp.core.createNamespacedSecret({
      namespace: 'app-4',
      body: { metadata: { name: 'istio.default' }, type: 'istio.io/key-and-cert', data: await sourceData('app-1') },
    });
    await ensureNamespace(remotes[0]!, 'app-4');
    const theirs = await remotes[0]!.core.createNamespacedSecret({
      namespace: 'app-4',
      body: { metadata: { name: 'istio.default' }, stringData: { note: 'made by hand on remote-1' } },
    });
    const config = { namespaces: ['app-1', 'app-2', 'app-4'] };
    const quiet = await pass(config);
    const message = 'remote-1: Secret app-4/istio.default exists and is not managed by meshd: left untouched (set adopt: true to take it over)';
    expect(quiet.plans[0]).toMatchObject({ state: 'unmanaged', error: message });
    await expect(quiet.plans[0]!.apply()).rejects.toSatisfy((err: unknown) => hasCode(err, 'MESHD_ERR_NOT_OWNED'));
    // remote-2 has no app-4: reported, not created, not an error.
    expect(quiet.plans[1]).toMatchObject({
      state: 'in-sync',
      reason: 'copies: 2 in sync; namespaces missing on remote-2: app-4',
      changes: [{ op: 'orphan', kind: 'Namespace', name: 'app-4' }],
    });
    expect(quiet.plans[1]!.error).toBeUndefined();

    const rotated = await env.controlPlane.rotateIstioDefault('app-1');
    for (const v of Object.values(rotated)) values.add(v);
    const component = secretsComponent(config, logger);
    const busy = await planOn(component, remoteTarget(remotes[0]!), meshOf(cp));
    expect(busy.error).toBeUndefined();
    expect(busy.changes.map((c) => `${c.op} ${c.namespace}/${c.name}`)).toEqual(['update app-1/istio.default', 'conflict app-4/istio.default']);
    await expect(busy.apply()).rejects.toThrow(message);
    expect(decoded(await readSecret(remotes[0]!, 'app-1', 'istio.default'))).toEqual(rotated);
    const after = await readSecret(remotes[0]!, 'app-4', 'istio.default');
    expect(after?.metadata?.resourceVersion).toBe(theirs.metadata?.resourceVersion);
    expect(after?.metadata?.labels?.['app.kubernetes.io/managed-by']).toBeUndefined();
  });

  it('takes such a secret over when adopt is set', async () => {
    const { plans, writes } = await pass({ namespaces: ['app-1', 'app-2', 'app-4'] }, { adopt: true });
    expect(plans[0]!.changes.map((c) => `${c.op} ${c.namespace}/${c.name}`)).toEqual(['recreate app-4/istio.default']);
    expect(writes[0]).toBe(2);
    const adopted = await readSecret(remotes[0]!, 'app-4', 'istio.default');
    expect(adopted?.data).toEqual((await readSecret(cp, 'app-4', 'istio.default'))?.data);
    expect(adopted?.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('meshd');
  });

  it('leaves the copies in place when their source disappears, and says so', async () => {
    const saved = (await readSecret(cp, 'app-2', 'istio.default'))!;
    await cp.core.deleteNamespacedSecret({ namespace: 'app-2', name: 'istio.default' });
    try {
      const before = await secretWrites();
      const { plans, writes } = await pass({ namespaces: ['app-1', 'app-2', 'app-4'] });
      for (const plan of plans) {
        expect(plan.reason).toContain('sources missing on the control plane (copies left in place): cp/app-2/istio.default');
        expect(plan.changes.filter((c) => c.kind === 'Secret')).toEqual([
          { op: 'orphan', kind: 'Secret', namespace: 'app-2', name: 'istio.default', detail: ['source cp/app-2/istio.default is gone: copy left in place'] },
        ]);
        expect(plan.changes.every((c) => c.op === 'orphan')).toBe(true);
        expect(plan.error).toBeUndefined();
      }
      expect(writes).toEqual([0, 0]);
      expect(await secretWrites()).toEqual(before);
      for (const remote of remotes) expect((await readSecret(remote, 'app-2', 'istio.default'))?.data).toEqual(saved.data);
    } finally {
      await cp.core.createNamespacedSecret({
        namespace: 'app-2',
        body: { metadata: { name: 'istio.default', annotations: saved.metadata?.annotations }, type: saved.type, data: saved.data },
      });
    }
  });

  it('selects namespaces by label on the control plane and creates missing ones with createNamespaces', async () => {
    await cp.core.patchNamespace({ name: 'app-4', body: [{ op: 'add', path: '/metadata/labels', value: { 'istio-injection': 'enabled' } }] });
    const { plans } = await pass({ namespaces: [], namespaceSelector: 'istio-injection=enabled', createNamespaces: true });
    expect(plans[1]!.changes.map((c) => `${c.op} ${c.kind} ${c.namespace ? c.namespace + '/' : ''}${c.name}`)).toEqual([
      'create Namespace app-4',
      'create Secret app-3/istio.default',
      'create Secret app-4/istio.default',
    ]);
    for (const remote of remotes) {
      for (const ns of ['app-1', 'app-2', 'app-3', 'app-4']) expect((await readSecret(remote, ns, 'istio.default'))?.data).toEqual(await sourceData(ns));
    }
    expect(await readSecret(remotes[0]!, 'default', 'istio.default')).toBeNull();
  });

  it('copies the CA secret into istio-system with copyCaSecret (a per-cluster override here)', async () => {
    const overrides = { secrets: { copyCaSecret: true } };
    const component = secretsComponent({ namespaces: ['app-1'] }, logger);
    const plan = await planOn(component, remoteTarget(remotes[0]!, overrides), meshOf(cp));
    expect(plan.changes.map((c) => `${c.op} ${c.kind} ${c.namespace ? c.namespace + '/' : ''}${c.name}`)).toEqual([
      'create Namespace istio-system',
      'create Secret istio-system/istio-ca-secret',
      'delete Secret app-4/istio.default',
      'delete Secret app-3/istio.default',
      'delete Secret app-2/istio.default',
    ]);
    const source = await readSecret(cp, 'istio-system', 'istio-ca-secret');
    remember(source?.data);
    expectNoValues(shown(plan));
    expect(await plan.apply()).toBe(5);
    const copy = await readSecret(remotes[0]!, 'istio-system', 'istio-ca-secret');
    expect(copy?.type).toBe('istio.io/ca-root');
    expect(copy?.data).toEqual(source?.data);
  });

  it('on removal, deletes every copy meshd made on that remote and nothing else', async () => {
    const remote = remotes[1]!;
    await remote.core.createNamespacedSecret({ namespace: 'app-1', body: { metadata: { name: 'user-secret' }, stringData: { token: 'user data stays' } } });
    const component = secretsComponent({ namespaces: APPS }, logger);
    const plan = await planRemovalOn(component, remoteTarget(remote), meshOf(cp));
    expect(plan.state).toBe('removed');
    expect(plan.changes.map((c) => `${c.op} ${c.namespace}/${c.name}`)).toEqual(['app-4', 'app-3', 'app-2', 'app-1'].map((ns) => `delete ${ns}/istio.default`));
    expect(await plan.apply()).toBe(4);
    for (const ns of ['app-1', 'app-2', 'app-3', 'app-4']) expect(await readSecret(remote, ns, 'istio.default')).toBeNull();
    expect(await readSecret(remote, 'app-1', 'user-secret')).not.toBeNull();
    expect((await remote.core.readNamespace({ name: 'app-4' })).metadata?.name).toBe('app-4');
    expect(await readSecret(remotes[0]!, 'app-1', 'istio.default')).not.toBeNull();
    const again = await planRemovalOn(component, remoteTarget(remote), meshOf(cp));
    expect(again).toMatchObject({ state: 'absent', changes: [] });
  });

  it('never logged a secret value', () => {
    expect(logger.lines().length).toBeGreaterThan(0);
    expectNoValues(logger.lines().join('\n'));
  });
});
