import { describe, expect, it } from 'vitest';
import type { ObjectAction, ObjectOp } from './objects.js';
import fc from 'fast-check';
import { APPLY_ORDER, applyRank } from './order.js';
import { blockedBy, executionWaves, writeNeeds } from './waves.js';

/** An action from "op Kind/name" (namespace-less: the waves look at kind and op only). */
function action(spec: string): ObjectAction {
  const [op, ref] = spec.split(' ') as [ObjectOp, string];
  const [kind, name] = ref.split('/') as [string, string];
  return { op, key: ref, ref: { apiVersion: 'v1', kind, name }, reason: '' };
}

const cases: { name: string; actions: string[]; waves: string[][] }[] = [
  { name: 'nothing', actions: [], waves: [] },
  { name: 'one action', actions: ['create Service/a'], waves: [['create Service/a']] },
  {
    name: 'a release from empty: the Namespace, then what needs nothing else, then the binding with the independent rest',
    actions: [
      'create Namespace/istio-system',
      'create ServiceAccount/a',
      'create ServiceAccount/b',
      'create ClusterRole/r',
      'create ClusterRoleBinding/rb',
      'create Service/p',
      'create Service/m',
      'create Endpoints/p',
      'create Endpoints/m',
    ],
    waves: [
      ['create Namespace/istio-system'],
      ['create ServiceAccount/a', 'create ServiceAccount/b', 'create ClusterRole/r'],
      ['create ClusterRoleBinding/rb', 'create Service/p', 'create Service/m', 'create Endpoints/p', 'create Endpoints/m'],
    ],
  },
  {
    name: 'a workload waits for everything listed before it',
    actions: ['create ServiceAccount/sa', 'create ConfigMap/c', 'create Service/s', 'create Deployment/d', 'create DaemonSet/ds'],
    waves: [
      ['create ServiceAccount/sa', 'create ConfigMap/c', 'create Service/s'],
      ['create Deployment/d', 'create DaemonSet/ds'],
    ],
  },
  {
    name: 'a Secret waits for its ServiceAccount, a RoleBinding for its Role',
    actions: ['create ServiceAccount/sa', 'create Secret/t', 'create Role/r', 'create RoleBinding/rb', 'create ConfigMap/c'],
    waves: [['create ServiceAccount/sa'], ['create Secret/t', 'create Role/r'], ['create RoleBinding/rb', 'create ConfigMap/c']],
  },
  {
    name: 'creates, updates and recreates of one rank share a wave',
    actions: ['create Secret/a', 'update Secret/b', 'recreate Secret/c'],
    waves: [['create Secret/a', 'update Secret/b', 'recreate Secret/c']],
  },
  {
    name: 'deletes never share a wave with writes of the same rank',
    actions: ['update Service/a', 'delete Service/b', 'delete Service/c', 'update Service/d'],
    waves: [['update Service/a'], ['delete Service/b', 'delete Service/c'], ['update Service/d']],
  },
  {
    name: 'an uninstall in reverse order',
    actions: ['delete Deployment/d', 'delete Endpoints/e', 'delete Service/s1', 'delete Service/s2', 'delete ServiceAccount/sa'],
    waves: [['delete Deployment/d'], ['delete Endpoints/e'], ['delete Service/s1', 'delete Service/s2'], ['delete ServiceAccount/sa']],
  },
  {
    name: 'keep, conflict and orphan write nothing and split nothing',
    actions: ['create Service/a', 'keep Service/b', 'conflict Service/c', 'orphan Service/d', 'create Service/e'],
    waves: [['create Service/a', 'create Service/e']],
  },
  {
    name: 'unlisted kinds come after every listed one and share a wave',
    actions: ['create Deployment/d', 'create Gateway/g', 'create VirtualService/v'],
    waves: [['create Deployment/d'], ['create Gateway/g', 'create VirtualService/v']],
  },
  {
    name: 'a lower rank after a higher one starts a new wave (order is never changed)',
    actions: ['create Service/a', 'create Namespace/n', 'create Service/b'],
    waves: [['create Service/a'], ['create Namespace/n'], ['create Service/b']],
  },
];

describe('executionWaves', () => {
  it.each(cases)('$name', ({ actions, waves }) => {
    const result = executionWaves(actions.map(action)).map((wave) => wave.map((a) => `${a.op} ${a.ref.kind}/${a.ref.name}`));
    expect(result).toEqual(waves);
  });
});

const LISTED = APPLY_ORDER.flat();

describe('writeNeeds', () => {
  it('only ever needs a kind that apply order puts first, so a sorted plan always has what it needs before it', () => {
    for (const kind of [...LISTED, 'Gateway'])
      for (const other of [...LISTED, 'VirtualService']) if (writeNeeds(kind, other)) expect(applyRank(other)).toBeLessThan(applyRank(kind));
  });

  it.each([
    ['Service', 'Namespace', true],
    ['ClusterRoleBinding', 'ClusterRole', true],
    ['RoleBinding', 'Role', true],
    ['Secret', 'ServiceAccount', true],
    ['Deployment', 'Secret', true],
    ['Gateway', 'CustomResourceDefinition', true],
    ['Service', 'ClusterRoleBinding', false],
    ['ClusterRoleBinding', 'Service', false],
    ['Gateway', 'VirtualService', false],
  ])('%s needs %s: %s', (kind, other, needs) => {
    expect(writeNeeds(kind, other)).toBe(needs);
  });
});

describe('executionWaves (property)', () => {
  const kinds = fc.constantFrom(...LISTED, 'Gateway');
  const op = fc.constantFrom<ObjectOp>('create', 'update', 'recreate', 'delete', 'keep');
  it('keeps the order, and no write shares a wave with, or follows in the same wave, a kind it needs', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(op, kinds), { maxLength: 30 }), (specs) => {
        const actions = specs.map(([o, k], i) => action(`${o} ${k}/n${i}`));
        const waves = executionWaves(actions);
        expect(waves.flat()).toEqual(actions.filter((a) => a.op !== 'keep'));
        const writePairs = waves.flatMap((wave) =>
          wave.filter((a) => a.op !== 'delete').flatMap((a, _i, writes) => writes.map((b) => [a.ref.kind, b.ref.kind])),
        );
        expect(writePairs.filter(([a, b]) => writeNeeds(a as string, b as string))).toEqual([]);
      }),
    );
  });
});

describe('blockedBy', () => {
  const ns = (name: string): ObjectAction => ({ op: 'create', key: `Namespace/${name}`, ref: { apiVersion: 'v1', kind: 'Namespace', name }, reason: '' });
  const inNs = (kind: string, namespace: string, apiVersion = 'v1', op: ObjectOp = 'create'): ObjectAction => ({
    op,
    key: `${kind}/${namespace}/x`,
    ref: { apiVersion, kind, namespace, name: 'x' },
    reason: '',
  });
  const crd: ObjectAction = {
    op: 'create',
    key: 'crd',
    ref: { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'rules.config.istio.io' },
    desired: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'rules.config.istio.io' },
      spec: { group: 'config.istio.io', names: { kind: 'rule' } },
    },
    reason: '',
  };
  const role: ObjectAction = { op: 'create', key: 'role', ref: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'r' }, reason: '' };

  it.each([
    { name: 'an object in a failed namespace waits', action: inNs('Service', 'istio-system'), failed: [ns('istio-system')], blocked: true },
    { name: 'an object in another namespace runs', action: inNs('Service', 'default'), failed: [ns('istio-system')], blocked: false },
    { name: 'a custom object of a failed CRD waits', action: inNs('rule', 'istio-system', 'config.istio.io/v1alpha2'), failed: [crd], blocked: true },
    { name: 'another group with the same kind runs', action: inNs('rule', 'istio-system', 'example.com/v1'), failed: [crd], blocked: false },
    { name: 'a Service runs although a ClusterRole failed', action: inNs('Service', 'istio-system'), failed: [role], blocked: false },
    { name: 'a delete never waits', action: inNs('Service', 'istio-system', 'v1', 'delete'), failed: [ns('istio-system')], blocked: false },
  ])('$name', ({ action: a, failed, blocked }) => {
    expect(blockedBy(a, failed) !== undefined).toBe(blocked);
  });
});
