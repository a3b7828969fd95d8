import { describe, expect, it } from 'vitest';
import { MeshdError } from '../errors.js';
import type { ClusterTarget, ComponentPlan, MeshInputs, PlannedChange, ReadScope } from '../plugin/types.js';
import fc from 'fast-check';
import { desiredInputsOf, planHoldsAfter, runComponent, unmetNeedPlan } from './components.js';
import type { CarriedPlan, PlanCarrier } from './components.js';

const target = { name: 'remote-1', role: 'remote', client: {}, overrides: {} } as unknown as ClusterTarget;
const endpoints = { pilot: '192.0.2.10', policy: '192.0.2.11', statsd: '192.0.2.12' };
const mesh = (found: boolean): MeshInputs => ({ controlPlane: target, endpoints: found ? endpoints : undefined, adopt: false, prune: true });

describe('unmetNeedPlan: core enforces what a plugin declared it needs', () => {
  it.each([
    { needs: ['endpoints', 'helm'] as const, found: false, blocked: true },
    { needs: ['endpoints'] as const, found: true, blocked: false },
    { needs: ['helm'] as const, found: false, blocked: false },
    { needs: [] as const, found: false, blocked: false },
  ])('needs $needs, endpoints found: $found → not asked to plan: $blocked', ({ needs, found, blocked }) => {
    const plan = unmetNeedPlan({ name: 'helm-template', needs }, target, mesh(found));
    expect(plan !== undefined).toBe(blocked);
  });

  it('reports it skipped, why, with the discovery code, and carries nothing to apply', () => {
    const plan = unmetNeedPlan({ name: 'tiller', needs: ['endpoints'] }, target, mesh(false))!;
    expect(plan).toMatchObject({ component: 'tiller', cluster: 'remote-1', state: 'skipped', errorCode: 'MESHD_ERR_DISCOVERY', changes: [] });
    expect(plan.reason).toBe("skipped: tiller needs the control-plane endpoints, and discovery failed (see the pass's errors)");
    expect(plan.error).toMatch(/discovery failed/);
    expect(plan.work).toBeUndefined();
  });

  it('in a pass: the skipped plugin is reported skipped with its reason and error, not converged, and its plan is never asked for', async () => {
    let asked = 0;
    const plugin = { name: 'fixture-renderer', needs: ['endpoints'] as const };
    const step = (t: ClusterTarget, m: MeshInputs): Promise<CarriedPlan> => {
      const unmet = unmetNeedPlan(plugin, t, m);
      if (unmet) return Promise.resolve({ plan: unmet });
      asked += 1;
      return Promise.reject(new Error('asked'));
    };
    const report = await runComponent({ step, name: plugin.name, target, mesh: mesh(false), apply: { enabled: true } });
    expect(report).toMatchObject({ component: 'fixture-renderer', state: 'skipped', writes: 0, error: { code: 'MESHD_ERR_DISCOVERY', retry: 'backoff' } });
    expect(report.reason).toMatch(/^skipped: fixture-renderer needs the control-plane endpoints/);
    expect(asked).toBe(0);
  });
});

describe('desiredInputsOf: what a plan is made from is data, without the connection', () => {
  it('keeps the cluster (name, role, overrides, version) and the mesh settings, and drops the client and the control plane', () => {
    const versioned = { ...target, overrides: { backend: 'tiller' }, version: 'v1.34.4' };
    const inputs = desiredInputsOf(versioned, mesh(true));
    expect(inputs).toEqual({
      cluster: { name: 'remote-1', role: 'remote', overrides: { backend: 'tiller' }, version: 'v1.34.4' },
      endpoints,
      adopt: false,
      prune: true,
    });
    expect(desiredInputsOf(target, mesh(false)).cluster).not.toHaveProperty('version');
    expect(() => JSON.stringify(inputs)).not.toThrow();
  });
});

/** A fake plan's work: the apply it stands for (a fake's shortcut; a real plugin's work is data). */
type FakeWork = () => Promise<number>;

describe('runComponent: errors reach the report as data, never as text', () => {
  const carrier: PlanCarrier = { apply: (p) => (p.work as FakeWork)() };
  const run = (step: () => Promise<ComponentPlan<FakeWork>>, enabled = true): ReturnType<typeof runComponent> =>
    runComponent({ step: () => step().then((plan) => ({ plan, carrier })), name: 'helm-template', target, mesh: mesh(true), apply: { enabled } });
  const plan = (over: Partial<ComponentPlan<FakeWork>> = {}): ComponentPlan<FakeWork> => ({
    component: 'helm-template',
    cluster: 'remote-1',
    state: 'out-of-sync',
    reason: 'r',
    changes: [{ op: 'update', kind: 'Service', name: 'istio-pilot' }],
    work: () => Promise.resolve(1),
    ...over,
  });

  it('a chart that does not render: failed, its code, terminal (the code decides, not the thrower)', async () => {
    const report = await run(() => Promise.reject(new MeshdError('MESHD_ERR_CHART_RENDER', 'helm template failed (exit code 1)')));
    expect(report).toMatchObject({
      state: 'failed',
      writes: 0,
      error: { code: 'MESHD_ERR_CHART_RENDER', message: 'helm template failed (exit code 1)', retry: 'terminal' },
    });
  });

  it('an error meshd did not expect: state error (a bug), MESHD_ERR_INTERNAL, retried', async () => {
    const report = await run(() => Promise.reject(new TypeError("cannot read properties of undefined (reading 'spec')")));
    expect(report).toMatchObject({ state: 'error', error: { code: 'MESHD_ERR_INTERNAL', retry: 'backoff' } });
  });

  it("a plan's own error and an apply failure are one error, parked only when both are terminal", async () => {
    const unserved = { error: 'extensions/v1beta1 is not served', errorCode: 'MESHD_ERR_UNSERVED_API' as const };
    const failing = plan({ ...unserved, work: () => Promise.reject(new MeshdError('MESHD_ERR_TIMEOUT', 'timed out', { writes: 2 })) });
    expect(await run(() => Promise.resolve(failing))).toMatchObject({
      writes: 2,
      error: { code: 'MESHD_ERR_TIMEOUT', message: 'extensions/v1beta1 is not served; timed out', retry: 'backoff' },
    });
    const invalid = plan({ ...unserved, work: () => Promise.reject(new MeshdError('MESHD_ERR_INVALID_OBJECT', '422')) });
    expect((await run(() => Promise.resolve(invalid))).error).toEqual({
      code: 'MESHD_ERR_UNSERVED_API',
      message: 'extensions/v1beta1 is not served; 422',
      retry: 'terminal',
    });
  });

  it('a plan error without a code is reported as a meshd bug, not dropped', async () => {
    expect((await run(() => Promise.resolve(plan({ error: 'no code' })), false)).error).toEqual({
      code: 'MESHD_ERR_INTERNAL',
      message: 'no code',
      retry: 'backoff',
    });
  });
});

describe('planHoldsAfter: an early plan is kept when nothing written is in what its observation read', () => {
  const release: ReadScope = {
    objects: [
      { kind: 'ConfigMap', namespace: 'istio-system', name: 'meshd-release-istio-remote' },
      { kind: 'Endpoints', namespace: 'istio-system', name: 'istio-pilot' },
      { kind: 'Namespace', name: 'istio-system' },
    ],
    namespaces: ['istio-remote-extra'],
  };
  const copy = (namespace: string, op: PlannedChange['op'] = 'update'): PlannedChange => ({ op, kind: 'Secret', namespace, name: 'istio.default' });
  it.each([
    { name: 'nothing written', reads: release, written: [], holds: true },
    { name: 'secret copies in application namespaces', reads: release, written: [copy('default'), copy('app-1', 'create')], holds: true },
    {
      name: 'an object the release read',
      reads: release,
      written: [{ op: 'update', kind: 'Endpoints', namespace: 'istio-system', name: 'istio-pilot' }],
      holds: false,
    },
    { name: 'the release namespace created', reads: release, written: [{ op: 'create', kind: 'Namespace', name: 'istio-system' }], holds: false },
    { name: 'a copy in a namespace whose contents were listed', reads: release, written: [copy('istio-remote-extra')], holds: false },
    { name: 'that namespace itself', reads: release, written: [{ op: 'create', kind: 'Namespace', name: 'istio-remote-extra' }], holds: false },
    { name: 'only orphans and conflicts (nothing written)', reads: undefined, written: [copy('istio-system', 'orphan'), copy('x', 'conflict')], holds: true },
    { name: 'reads not known', reads: undefined, written: [copy('default')], holds: false },
  ] as { name: string; reads: ReadScope | undefined; written: PlannedChange[]; holds: boolean }[])('$name → holds: $holds', ({ reads, written, holds }) => {
    expect(planHoldsAfter(reads, written)).toBe(holds);
  });

  it('never holds when a written object is one it read', () => {
    const object = fc.record({
      kind: fc.constantFrom('Secret', 'Service', 'Endpoints'),
      namespace: fc.constantFrom('a', 'b'),
      name: fc.constantFrom('x', 'y'),
    });
    fc.assert(
      fc.property(fc.array(object, { maxLength: 5 }), object, (read, written) => {
        const scope: ReadScope = { objects: [...read, written], namespaces: [] };
        expect(planHoldsAfter(scope, [{ op: 'create', ...written }])).toBe(false);
      }),
    );
  });
});
