import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiKindKey } from '@meshd/core/cluster';
import { objectKey } from '@meshd/core/kube';
import type { DesiredInputs } from '@meshd/core';
import type { KubeObject } from '@meshd/core/kube';
import { planTiller, planTillerRemovalOf, tillerComponentPlan, tillerChanges } from './component.js';
import type { TillerObserved, TillerWork } from './component.js';
import type { TillerObservation } from './observe.js';
import type { TillerPlan } from './steps.js';

const base: TillerPlan = {
  release: 'istio-remote',
  namespace: 'istio-system',
  status: { state: 'out-of-sync', reason: 'chart or values changed; revision 2 DEPLOYED' },
  action: 'upgrade',
  desiredHash: 'h',
  revision: 2,
  steps: [],
  objectChanges: ['changes Endpoints/istio-pilot (.subsets)'],
};
const where = 'Tiller at 127.0.0.1:44134';

describe('what meshd plan shows for a Tiller plan', () => {
  it('an upgrade names the revision, the Tiller and the objects it changes', () => {
    expect(tillerChanges({ ...base, steps: [{ op: 'upgrade', rollbackTo: 2 }] }, where)).toEqual([
      {
        op: 'upgrade',
        kind: 'Release',
        namespace: 'istio-system',
        name: 'istio-remote',
        detail: ['revision 2 → new revision', where, 'changes Endpoints/istio-pilot (.subsets)'],
      },
    ]);
  });

  it('prerequisites, Tiller itself, repairs, rollbacks and purges each show as one change', () => {
    const plan: TillerPlan = {
      ...base,
      objectChanges: [],
      steps: [
        { op: 'create', object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'tiller', namespace: 'kube-system' } } },
        { op: 'install-tiller', namespace: 'kube-system' },
        { op: 'delete', ref: { apiVersion: 'v1', kind: 'Endpoints', namespace: 'istio-system', name: 'istio-pilot' } },
        { op: 'rollback', revision: 1 },
        { op: 'purge' },
        { op: 'install', replace: true },
      ],
    };
    expect(tillerChanges(plan, where).map((c) => `${c.op} ${c.kind} ${c.namespace ?? ''}/${c.name}`)).toEqual([
      'create ServiceAccount kube-system/tiller',
      'install Deployment kube-system/tiller-deploy',
      'recreate Endpoints istio-system/istio-pilot',
      'upgrade Release istio-system/istio-remote',
      'uninstall Release istio-system/istio-remote',
      'install Release istio-system/istio-remote',
    ]);
  });

  const work = (plan: TillerPlan): TillerWork => ({ plan, location: { host: '127.0.0.1:44134', namespace: 'kube-system' }, values: {} });

  it('an in-sync plan has no change and carries no step to apply', () => {
    const inSync: TillerPlan = { ...base, status: { state: 'in-sync', reason: 'revision 2 DEPLOYED; every object matches' } };
    const plan = tillerComponentPlan(inSync, { component: 'tiller', cluster: 'east', where, work: work(inSync) });
    expect(plan.changes).toEqual([]);
    expect(plan.reason).toBe(`revision 2 DEPLOYED; every object matches (${where})`);
    expect(plan.work?.plan.steps).toEqual([]);
  });

  it.each([
    { state: 'unmanaged' as const, code: 'MESHD_ERR_NOT_OWNED' },
    { state: 'failed' as const, code: 'MESHD_ERR_TILLER' },
  ])('a blocked plan ($state) carries its error with $code', ({ state, code }) => {
    const blocked: TillerPlan = { ...base, status: { state, reason: 'no' }, error: 'no' };
    const plan = tillerComponentPlan(blocked, { component: 'tiller', cluster: 'east', where, work: work(blocked) });
    expect(plan).toMatchObject({ error: 'no', errorCode: code });
  });
});

// The plan phase, without Tiller or a cluster: what observe returned and the desired inputs in, a data plan out.
const pilot: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'istio-pilot', namespace: 'istio-system' },
  spec: { ports: [{ port: 15010 }] },
};
const autoscaler: KubeObject = {
  apiVersion: 'autoscaling/v2beta1',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'istio-pilot', namespace: 'istio-system' },
  spec: {},
};
const config = { namespace: 'kube-system', release: { name: 'istio-remote', namespace: 'istio-system' }, timeoutMs: 300_000 };
const desiredOn = (overrides: Record<string, unknown> = { tillerHost: '127.0.0.1:44134' }, adopt = false): DesiredInputs => ({
  cluster: { name: 'east', role: 'remote', overrides, version: 'v1.34.4' },
  endpoints: { pilot: '192.0.2.10', policy: '192.0.2.11', statsd: '192.0.2.12' },
  adopt,
  prune: true,
});
const deployed = (hash: string | undefined): TillerObservation => ({
  tiller: 'found',
  release: {
    revisions: [{ revision: 1, status: 'DEPLOYED', chart: 'istio-remote-0.8.0', description: '' }],
    latestHash: hash,
    owned: hash !== undefined,
    lastGood: undefined,
  },
});

const NO_RELEASE: TillerObservation = { tiller: 'found', release: undefined };
const NO_TILLER: TillerObservation = { tiller: 'missing', reason: 'could not find tiller' };

function observedWith(observation: TillerObservation, opts: { live?: boolean; unserved?: boolean } = {}): TillerObserved {
  const desired = opts.unserved ? [pilot, autoscaler] : [pilot];
  const live = new Map(
    desired.map((o) => [objectKey(o), opts.live === false ? null : { ...o, metadata: { ...o.metadata, uid: 'u', labels: { heritage: 'Tiller' } } }]),
  );
  const served = new Map(opts.unserved ? [[apiKindKey(autoscaler.apiVersion, autoscaler.kind), false]] : []);
  return {
    input: { cluster: 'east', release: 'istio-remote', namespace: 'istio-system', desiredHash: 'h1', desired, live, observation },
    values: { meshd: { hash: 'h1' } },
    served,
  };
}

describe('planTiller: desired inputs + observed → a data plan', () => {
  it.each([
    { name: 'no release, no objects', observation: NO_RELEASE, live: false, state: 'absent', steps: ['install'] },
    { name: 'no release, its objects there', observation: NO_RELEASE, state: 'unmanaged', steps: [] },
    { name: 'its own release, in sync', observation: deployed('h1'), state: 'in-sync', steps: [] },
    { name: 'its own release, other values', observation: deployed('h0'), state: 'out-of-sync', steps: ['upgrade'] },
    { name: "someone else's release", observation: deployed(undefined), state: 'unmanaged', steps: [] },
    { name: 'no Tiller', observation: NO_TILLER, state: 'failed', steps: [] },
  ])('$name → $state, steps $steps', ({ observation, live, state, steps }) => {
    const plan = planTiller(config, desiredOn(), observedWith(observation, live === undefined ? {} : { live }));
    expect(plan.state).toBe(state);
    expect(plan.work?.plan.steps.map((s) => s.op)).toEqual(steps);
    expect(plan.work?.location).toEqual({ host: '127.0.0.1:44134', namespace: 'kube-system' });
    expect(plan.work?.values).toEqual({ meshd: { hash: 'h1' } });
    expect(plan.reason).toMatch(/\(Tiller at 127\.0\.0\.1:44134\)$/);
  });

  it('with adopt, a release meshd did not install is upgraded', () => {
    expect(planTiller(config, desiredOn(undefined, true), observedWith(deployed(undefined))).work?.plan.steps.map((s) => s.op)).toEqual(['upgrade']);
  });

  it('an object the cluster does not serve stops the plan before Tiller: parked, nothing to carry out', () => {
    const plan = planTiller(config, desiredOn(), observedWith(deployed('h1'), { unserved: true }));
    expect(plan).toMatchObject({ state: 'failed', errorCode: 'MESHD_ERR_UNSERVED_API', changes: [], work: undefined });
    expect(plan.error).toMatch(/^east cannot accept 1 object\(s\) of this chart/);
  });

  it('where Tiller is comes from the cluster overrides: a port-forward in the configured namespace without tillerHost', () => {
    const plan = planTiller(config, desiredOn({}), observedWith(deployed('h1')));
    expect(plan.work?.location).toEqual({ namespace: 'kube-system' });
    expect(plan.reason).toMatch(/Tiller in namespace kube-system \(port-forward\)/);
  });

  it('is pure: the same inputs give the same plan, and a plan has steps exactly when it shows changes', () => {
    const observations = fc.constantFrom<TillerObservation>(NO_RELEASE, deployed('h1'), deployed('h0'), deployed(undefined), NO_TILLER);
    fc.assert(
      fc.property(observations, fc.boolean(), fc.boolean(), (observation, adopt, live) => {
        const observed = observedWith(observation, { live });
        const plan = planTiller(config, desiredOn(undefined, adopt), observed);
        expect(planTiller(config, desiredOn(undefined, adopt), observed)).toEqual(plan);
        expect((plan.work?.plan.steps.length ?? 0) > 0).toBe(plan.changes.length > 0);
        if (plan.error !== undefined) expect(plan.work?.plan.steps).toEqual([]);
      }),
    );
  });
});

describe('planTillerRemovalOf: helm delete --purge only of what meshd installed', () => {
  it.each([
    { name: 'its own release', observation: deployed('h1'), adopt: false, state: 'removed', steps: ['purge'] },
    { name: 'nothing installed', observation: NO_RELEASE, adopt: false, state: 'in-sync', steps: [] },
    { name: "someone else's release", observation: deployed(undefined), adopt: false, state: 'unmanaged', steps: [] },
    { name: "someone else's release, adopt", observation: deployed(undefined), adopt: true, state: 'removed', steps: ['purge'] },
    { name: 'no Tiller', observation: NO_TILLER, adopt: false, state: 'failed', steps: [] },
  ])('$name → $state', ({ observation, adopt, state, steps }) => {
    const plan = planTillerRemovalOf(config, desiredOn(undefined, adopt), { observation });
    expect(plan.state).toBe(state);
    expect(plan.work?.plan.steps.map((s) => s.op)).toEqual(steps);
    expect(plan.work?.values).toEqual({});
  });
});
