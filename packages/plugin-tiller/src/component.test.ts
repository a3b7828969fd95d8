import { describe, expect, it } from 'vitest';
import { tillerComponentPlan, tillerChanges } from './component.js';
import type { TillerPlan } from './steps.js';

const base: TillerPlan = {
  release: 'istio-remote',
  namespace: 'istio-system',
  status: { state: 'out-of-sync', reason: 'chart or values changed; revision 2 DEPLOYED' },
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

  it('an in-sync plan has no change and its apply writes nothing', async () => {
    let called = false;
    const plan = tillerComponentPlan(
      { ...base, status: { state: 'in-sync', reason: 'revision 2 DEPLOYED; every object matches' } },
      { component: 'tiller', cluster: 'east', where, apply: () => ((called = true), Promise.resolve(1)) },
    );
    expect(plan.changes).toEqual([]);
    expect(plan.reason).toBe(`revision 2 DEPLOYED; every object matches (${where})`);
    expect(await plan.apply()).toBe(0);
    expect(called).toBe(false);
  });

  it('a blocked plan carries its error', () => {
    const plan = tillerComponentPlan(
      { ...base, status: { state: 'unmanaged', reason: 'not ours' }, error: 'not ours' },
      { component: 'tiller', cluster: 'east', where, apply: () => Promise.resolve(0) },
    );
    expect(plan.error).toBe('not ours');
  });
});
