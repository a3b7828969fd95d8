import { describe, expect, it } from 'vitest';
import { filterMetadata } from './metadata.js';

describe('filterMetadata', () => {
  it.each([
    ['keeps Istio and user keys', { 'istio.io/service-account.name': 'default', team: 'a' }, { 'istio.io/service-account.name': 'default', team: 'a' }],
    ['drops kubectl last-applied (it may hold the data in clear)', { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{}}' }, {}],
    ['drops kubernetes.io/ keys', { 'kubernetes.io/service-account.name': 'x', 'kubernetes.io/service-account.uid': 'u' }, {}],
    ['drops *.kubernetes.io/ keys, app.kubernetes.io/managed-by included', { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/name': 'n' }, {}],
    ['drops k8s.io keys', { 'cluster-autoscaler.k8s.io/x': 'y', 'k8s.io/z': 'w' }, {}],
    ['drops meshd.io keys from the source (a copy gets fresh ones)', { 'meshd.io/source': 'other', 'meshd.io/applied-hash': 'h' }, {}],
    [
      'keeps look-alike prefixes',
      { 'notkubernetes.io/a': '1', 'kubernetes.io.example.com/b': '2' },
      { 'notkubernetes.io/a': '1', 'kubernetes.io.example.com/b': '2' },
    ],
    ['handles absent metadata', undefined, {}],
  ])('%s', (_title, input, expected) => {
    expect(filterMetadata(input)).toEqual(expected);
  });
});
