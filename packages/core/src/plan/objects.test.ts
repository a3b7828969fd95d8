import { describe, expect, it } from 'vitest';
import { APPLIED_HASH_ANNOTATION, MANAGED_BY_LABEL, objectKey } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import { NOT_RECORDED, markOwned, planObjects, planRemoval } from './objects.js';
import { refOf } from '../kube/object.js';
import type { ObjectPlanInput } from './objects.js';
import type { NamespaceItem } from '../kube/namespace-contents.js';

const endpoints = (ip: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'istio-pilot', namespace: 'istio-system' },
  subsets: [{ addresses: [{ ip }], ports: [{ name: 'grpc', port: 15010 }] }],
});
const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istio-pilot', namespace: 'istio-system' }, spec: { clusterIP: 'None' } };
const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } };

/** What the API server returns for an object meshd applied: its marks plus server defaults. */
function liveOf(obj: KubeObject, extra: Record<string, unknown> = {}): KubeObject {
  const owned = markOwned(obj);
  return { ...owned, ...extra, metadata: { ...owned.metadata, uid: 'u1', resourceVersion: '7' } };
}

function input(partial: Partial<ObjectPlanInput>): ObjectPlanInput {
  return { desired: [], live: new Map(), previous: [], adopt: false, prune: true, ...partial };
}

const appsNs: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } };
const userData: NamespaceItem = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'payments-data', namespace: 'apps', uid: 'u-user' } };
const copy: NamespaceItem = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'istio.default', namespace: 'apps', uid: 'u-copy', labels: { [MANAGED_BY_LABEL]: 'meshd' } },
};
const withUid = (obj: KubeObject, uid: string): KubeObject => ({ ...liveOf(obj), metadata: { ...liveOf(obj).metadata, uid } });

describe('planObjects with the journal (ownership by identity)', () => {
  const recorded = (...pairs: [KubeObject | NamespaceItem, string][]): Map<string, string> => new Map(pairs.map(([o, uid]) => [objectKey(o), uid]));
  const cases: { name: string; in: ObjectPlanInput; steps: string[] }[] = [
    {
      name: 'an object whose live UID is the recorded one is deleted',
      in: input({ recorded: recorded([service, 'u1']), previous: [refOf(service)], live: new Map([[objectKey(service), liveOf(service)]]) }),
      steps: ['delete Service no longer rendered'],
    },
    {
      name: 'a labelled object the journal does not hold is left alone',
      in: input({ recorded: new Map(), previous: [refOf(service)], live: new Map([[objectKey(service), liveOf(service)]]) }),
      steps: [`orphan Service ${NOT_RECORDED}`],
    },
    {
      name: 'a labelled object re-created by someone else (another UID) is left alone',
      in: input({ recorded: recorded([service, 'u1']), previous: [refOf(service)], live: new Map([[objectKey(service), withUid(service, 'u2')]]) }),
      steps: [`orphan Service ${NOT_RECORDED}`],
    },
    {
      name: 'a recorded object that lost meshd’s label is left alone',
      in: input({
        recorded: recorded([service, 'u1']),
        previous: [refOf(service)],
        live: new Map([[objectKey(service), { ...service, metadata: { ...service.metadata, uid: 'u1' } }]]),
      }),
      steps: ['orphan Service no longer rendered, but not managed by meshd: left alone'],
    },
    {
      name: 'a pending entry (no UID yet) never authorises a delete',
      in: input({ recorded: new Map(), previous: [refOf(service)], live: new Map([[objectKey(service), liveOf(service)]]) }),
      steps: [`orphan Service ${NOT_RECORDED}`],
    },
    {
      name: 'without a journal the label decides (as before)',
      in: input({ previous: [refOf(service)], live: new Map([[objectKey(service), withUid(service, 'u9')]]) }),
      steps: ['delete Service no longer rendered'],
    },
    {
      name: 'a desired object keeps being planned by its label, journaled or not',
      in: input({ recorded: new Map(), desired: [service], live: new Map([[objectKey(service), liveOf(service)]]) }),
      steps: ['keep Service in sync'],
    },
    {
      name: 'a recorded namespace holding only meshd’s recorded objects is deleted',
      in: input({
        recorded: recorded([appsNs, 'u1'], [copy, 'u-copy']),
        namespaceContents: new Map([['apps', [copy]]]),
        previous: [refOf(appsNs)],
        live: new Map([[objectKey(appsNs), liveOf(appsNs)]]),
      }),
      steps: ['delete Namespace no longer rendered'],
    },
    {
      name: 'a recorded namespace holding a user ConfigMap is left alone',
      in: input({
        recorded: recorded([appsNs, 'u1'], [copy, 'u-copy']),
        namespaceContents: new Map([['apps', [copy, userData]]]),
        previous: [refOf(appsNs)],
        live: new Map([[objectKey(appsNs), liveOf(appsNs)]]),
      }),
      steps: ['orphan Namespace holds objects meshd does not own (ConfigMap payments-data): left alone'],
    },
    {
      name: 'a labelled copy whose UID is not recorded counts as foreign',
      in: input({
        recorded: recorded([appsNs, 'u1']),
        namespaceContents: new Map([['apps', [copy]]]),
        previous: [refOf(appsNs)],
        live: new Map([[objectKey(appsNs), liveOf(appsNs)]]),
      }),
      steps: ['orphan Namespace holds objects meshd does not own (Secret istio.default): left alone'],
    },
    {
      name: 'a namespace whose contents were not listed is left alone',
      in: input({
        recorded: recorded([appsNs, 'u1']),
        namespaceContents: new Map(),
        previous: [refOf(appsNs)],
        live: new Map([[objectKey(appsNs), liveOf(appsNs)]]),
      }),
      steps: ['orphan Namespace its contents were not listed: left alone'],
    },
    {
      name: 'without a journal a namespace with unlabelled contents is still kept',
      in: input({ namespaceContents: new Map([['apps', [userData]]]), previous: [refOf(appsNs)], live: new Map([[objectKey(appsNs), liveOf(appsNs)]]) }),
      steps: ['orphan Namespace holds objects meshd does not own (ConfigMap payments-data): left alone'],
    },
  ];
  it.each(cases)('$name', (c) => {
    expect(planObjects(c.in).map((a) => `${a.op} ${a.ref.kind} ${a.reason}`)).toEqual(c.steps);
  });

  it('uninstall with the journal deletes what was recorded and leaves a planted look-alike', () => {
    const planted: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'planted', namespace: 'istio-system' } };
    const live = new Map([
      [objectKey(service), liveOf(service)],
      [objectKey(planted), withUid(planted, 'u-planted')],
    ]);
    const steps = planRemoval([refOf(service), refOf(planted)], live, { recorded: recorded([service, 'u1']) });
    expect(steps.map((a) => `${a.op} ${a.ref.kind}`)).toEqual(['delete Service', 'orphan ConfigMap']);
  });
});

describe('planObjects', () => {
  const cases: { name: string; in: ObjectPlanInput; ops: string[] }[] = [
    {
      name: 'absent objects are created in dependency order',
      in: input({
        desired: [endpoints('192.0.2.1'), service, ns],
        live: new Map([
          [objectKey(endpoints('x')), null],
          [objectKey(service), null],
          [objectKey(ns), null],
        ]),
      }),
      ops: ['create Namespace', 'create Service', 'create Endpoints'],
    },
    {
      name: 'an identical live object is kept',
      in: input({ desired: [endpoints('192.0.2.1')], live: new Map([[objectKey(endpoints('x')), liveOf(endpoints('192.0.2.1'))]]) }),
      ops: ['keep Endpoints'],
    },
    {
      name: 'server defaults do not count as drift',
      in: input({
        desired: [service],
        live: new Map([[objectKey(service), liveOf(service, { spec: { clusterIP: 'None', sessionAffinity: 'None', type: 'ClusterIP' }, status: {} })]]),
      }),
      ops: ['keep Service'],
    },
    {
      name: 'a new pilot IP updates the Endpoints',
      in: input({ desired: [endpoints('192.0.2.2')], live: new Map([[objectKey(endpoints('x')), liveOf(endpoints('192.0.2.1'))]]) }),
      ops: ['update Endpoints'],
    },
    {
      name: 'a hand edit with the same hash annotation is drift',
      in: input({ desired: [endpoints('192.0.2.1')], live: new Map([[objectKey(endpoints('x')), { ...liveOf(endpoints('192.0.2.1')), subsets: [] }]]) }),
      ops: ['update Endpoints'],
    },
    {
      name: 'an object meshd does not own is a conflict',
      in: input({ desired: [service], live: new Map([[objectKey(service), { ...service, metadata: { ...service.metadata, labels: { app: 'x' } } }]]) }),
      ops: ['conflict Service'],
    },
    {
      name: 'adopt takes over an object meshd does not own',
      in: input({ adopt: true, desired: [service], live: new Map([[objectKey(service), service]]) }),
      ops: ['update Service'],
    },
    {
      name: 'an owned object no longer rendered is deleted',
      in: input({ previous: [refOf(service)], live: new Map([[objectKey(service), liveOf(service)]]) }),
      ops: ['delete Service'],
    },
    {
      name: 'prune off leaves it as an orphan',
      in: input({ prune: false, previous: [refOf(service)], live: new Map([[objectKey(service), liveOf(service)]]) }),
      ops: ['orphan Service'],
    },
    {
      name: 'a foreign object in the inventory is never deleted',
      in: input({ previous: [refOf(service)], live: new Map([[objectKey(service), service]]) }),
      ops: ['orphan Service'],
    },
    { name: 'an inventory entry already gone plans nothing', in: input({ previous: [refOf(service)], live: new Map([[objectKey(service), null]]) }), ops: [] },
    {
      name: 'deletes come after writes, in reverse dependency order',
      in: input({
        desired: [endpoints('192.0.2.1')],
        previous: [refOf(service), refOf(ns)],
        live: new Map([
          [objectKey(endpoints('x')), null],
          [objectKey(service), liveOf(service)],
          [objectKey(ns), liveOf(ns)],
        ]),
      }),
      ops: ['create Endpoints', 'delete Service', 'delete Namespace'],
    },
    {
      name: 'secrets recreate instead of update when asked',
      in: input({
        recreateOnChange: () => true,
        desired: [endpoints('192.0.2.2')],
        live: new Map([[objectKey(endpoints('x')), liveOf(endpoints('192.0.2.1'))]]),
      }),
      ops: ['recreate Endpoints'],
    },
  ];
  it.each(cases)('$name', (c) => {
    expect(planObjects(c.in).map((a) => `${a.op} ${a.ref.kind}`)).toEqual(c.ops);
  });

  it('marks what it writes as meshd-owned with a content hash, and diffs show paths only', () => {
    const [action] = planObjects(input({ desired: [endpoints('192.0.2.2')], live: new Map([[objectKey(endpoints('x')), liveOf(endpoints('192.0.2.1'))]]) }));
    expect(action?.desired?.metadata.labels?.[MANAGED_BY_LABEL]).toBe('meshd');
    expect(action?.desired?.metadata.annotations?.[APPLIED_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
    expect(action?.diff).toEqual(['.metadata.annotations.meshd.io/applied-hash', '.subsets']);
    expect(JSON.stringify(action?.diff)).not.toContain('192.0.2.2');
  });

  it('refuses to plan an object that was not observed', () => {
    expect(() => planObjects(input({ desired: [service] }))).toThrow(/not observed/);
  });
});
