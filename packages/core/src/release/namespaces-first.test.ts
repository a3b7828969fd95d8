import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refKey } from '../kube/object.js';
import type { KubeObject, ObjectRef } from '../kube/object.js';
import { absentWithTheirNamespace, namespacesFirstReads } from './namespaces-first.js';

const ns = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Namespace', name });
const svc = (namespace: string, name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Service', namespace, name });
const role = (name: string): ObjectRef => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name });
const live = (entries: [ObjectRef, boolean][]): Map<string, KubeObject | null> =>
  new Map(entries.map(([r, exists]) => [refKey(r), exists ? { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name } } : null]));

describe('namespacesFirstReads', () => {
  it.each([
    { refs: [], reads: [] },
    { refs: [svc('istio-system', 'a'), svc('istio-system', 'b')], reads: [ns('istio-system')] },
    { refs: [ns('istio-system'), svc('istio-system', 'a'), role('r')], reads: [ns('istio-system'), role('r')] },
    { refs: [svc('x', 'a'), svc('y', 'a'), role('r'), role('r')], reads: [ns('x'), ns('y'), role('r')] },
  ])('reads $reads.length object(s) first for $refs.length ref(s)', ({ refs, reads }) => {
    expect(namespacesFirstReads(refs)).toEqual(reads);
  });
});

describe('absentWithTheirNamespace', () => {
  it('knows absent exactly the namespaced refs whose Namespace was read absent', () => {
    const refs = [svc('gone', 'a'), svc('here', 'b'), svc('unread', 'c'), role('r'), ns('gone')];
    const found = absentWithTheirNamespace(
      refs,
      live([
        [ns('gone'), false],
        [ns('here'), true],
        [role('r'), false],
      ]),
    );
    expect([...found]).toEqual([[refKey(svc('gone', 'a')), null]]);
  });

  it('infers absent exactly the objects in a Namespace read as absent, nothing else (property)', () => {
    const name = fc.constantFrom('a', 'b', 'c');
    const ref = fc.oneof(
      fc.tuple(name, name).map(([n, o]) => svc(n, o)),
      name.map(role),
      name.map(ns),
    );
    fc.assert(
      fc.property(fc.array(ref, { maxLength: 12 }), fc.array(fc.tuple(name.map(ns), fc.boolean()), { maxLength: 3 }), (refs, namespaces) => {
        const seen = live(namespaces);
        const inAbsent = refs.filter((r) => r.namespace !== undefined && seen.get(refKey(ns(r.namespace))) === null).map(refKey);
        expect(new Set(absentWithTheirNamespace(refs, seen).keys())).toEqual(new Set(inAbsent));
      }),
    );
  });
});
