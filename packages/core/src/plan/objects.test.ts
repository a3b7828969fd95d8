import { describe, expect, it } from 'vitest';
import { APPLIED_HASH_ANNOTATION, MANAGED_BY_LABEL, objectKey } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import { markOwned, planObjects, refOf } from './objects.js';
import type { ObjectPlanInput } from './objects.js';

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

describe('planObjects', () => {
  const cases: { name: string; in: ObjectPlanInput; ops: string[] }[] = [
    { name: 'absent objects are created in dependency order', in: input({ desired: [endpoints('10.0.0.1'), service, ns], live: new Map([[objectKey(endpoints('x')), null], [objectKey(service), null], [objectKey(ns), null]]) }), ops: ['create Namespace', 'create Service', 'create Endpoints'] },
    { name: 'an identical live object is kept', in: input({ desired: [endpoints('10.0.0.1')], live: new Map([[objectKey(endpoints('x')), liveOf(endpoints('10.0.0.1'))]]) }), ops: ['keep Endpoints'] },
    { name: 'server defaults do not count as drift', in: input({ desired: [service], live: new Map([[objectKey(service), liveOf(service, { spec: { clusterIP: 'None', sessionAffinity: 'None', type: 'ClusterIP' }, status: {} })]]) }), ops: ['keep Service'] },
    { name: 'a new pilot IP updates the Endpoints', in: input({ desired: [endpoints('10.0.0.2')], live: new Map([[objectKey(endpoints('x')), liveOf(endpoints('10.0.0.1'))]]) }), ops: ['update Endpoints'] },
    { name: 'a hand edit with the same hash annotation is drift', in: input({ desired: [endpoints('10.0.0.1')], live: new Map([[objectKey(endpoints('x')), { ...liveOf(endpoints('10.0.0.1')), subsets: [] }]]) }), ops: ['update Endpoints'] },
    { name: 'an object meshd does not own is a conflict', in: input({ desired: [service], live: new Map([[objectKey(service), { ...service, metadata: { ...service.metadata, labels: { app: 'x' } } }]]) }), ops: ['conflict Service'] },
    { name: 'adopt takes over an object meshd does not own', in: input({ adopt: true, desired: [service], live: new Map([[objectKey(service), service]]) }), ops: ['update Service'] },
    { name: 'an owned object no longer rendered is deleted', in: input({ previous: [refOf(service)], live: new Map([[objectKey(service), liveOf(service)]]) }), ops: ['delete Service'] },
    { name: 'prune off leaves it as an orphan', in: input({ prune: false, previous: [refOf(service)], live: new Map([[objectKey(service), liveOf(service)]]) }), ops: ['orphan Service'] },
    { name: 'a foreign object in the inventory is never deleted', in: input({ previous: [refOf(service)], live: new Map([[objectKey(service), service]]) }), ops: ['orphan Service'] },
    { name: 'an inventory entry already gone plans nothing', in: input({ previous: [refOf(service)], live: new Map([[objectKey(service), null]]) }), ops: [] },
    { name: 'deletes come after writes, in reverse dependency order', in: input({ desired: [endpoints('10.0.0.1')], previous: [refOf(service), refOf(ns)], live: new Map([[objectKey(endpoints('x')), null], [objectKey(service), liveOf(service)], [objectKey(ns), liveOf(ns)]]) }), ops: ['create Endpoints', 'delete Service', 'delete Namespace'] },
    { name: 'secrets recreate instead of update when asked', in: input({ recreateOnChange: () => true, desired: [endpoints('10.0.0.2')], live: new Map([[objectKey(endpoints('x')), liveOf(endpoints('10.0.0.1'))]]) }), ops: ['recreate Endpoints'] },
  ];
  it.each(cases)('$name', (c) => {
    expect(planObjects(c.in).map((a) => `${a.op} ${a.ref.kind}`)).toEqual(c.ops);
  });

  it('marks what it writes as meshd-owned with a content hash, and diffs show paths only', () => {
    const [action] = planObjects(input({ desired: [endpoints('10.0.0.2')], live: new Map([[objectKey(endpoints('x')), liveOf(endpoints('10.0.0.1'))]]) }));
    expect(action?.desired?.metadata.labels?.[MANAGED_BY_LABEL]).toBe('meshd');
    expect(action?.desired?.metadata.annotations?.[APPLIED_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{64}$/);
    expect(action?.diff).toEqual(['.metadata.annotations.meshd.io/applied-hash', '.subsets']);
    expect(JSON.stringify(action?.diff)).not.toContain('10.0.0.2');
  });

  it('refuses to plan an object that was not observed', () => {
    expect(() => planObjects(input({ desired: [service] }))).toThrow(/not observed/);
  });
});
