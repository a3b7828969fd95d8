import type { KubeObject } from '../kube/object.js';
import { describe, expect, it } from 'vitest';
import { sortForApply, sortForDelete } from './order.js';

const obj = (kind: string, name: string, namespace?: string, apiVersion = 'v1'): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
});
const ids = (objects: KubeObject[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('sortForApply', () => {
  it('orders dependencies before what uses them', () => {
    const input = [
      obj('Deployment', 'istio-citadel', 'istio-system', 'apps/v1'),
      obj('HorizontalPodAutoscaler', 'a', 'istio-system', 'autoscaling/v2'),
      obj('Endpoints', 'istio-pilot', 'istio-system'),
      obj('Service', 'istio-pilot', 'istio-system'),
      obj('Secret', 's', 'istio-system'),
      obj('ConfigMap', 'c', 'istio-system'),
      obj('RoleBinding', 'rb', 'istio-system', 'rbac.authorization.k8s.io/v1'),
      obj('Role', 'r', 'istio-system', 'rbac.authorization.k8s.io/v1'),
      obj('ClusterRoleBinding', 'istio-citadel-istio-system', undefined, 'rbac.authorization.k8s.io/v1'),
      obj('ClusterRole', 'istio-citadel-istio-system', undefined, 'rbac.authorization.k8s.io/v1'),
      obj('ServiceAccount', 'istio-citadel-service-account', 'istio-system'),
      obj('CustomResourceDefinition', 'x.example.com', undefined, 'apiextensions.k8s.io/v1'),
      obj('Namespace', 'istio-system'),
    ];
    expect(sortForApply(input).map((o) => o.kind)).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'ConfigMap',
      'Secret',
      'Service',
      'Endpoints',
      'Deployment',
      'HorizontalPodAutoscaler',
    ]);
  });

  it('breaks ties by namespace, then name; workloads share one rank', () => {
    const input = [
      obj('StatefulSet', 'b', 'ns1', 'apps/v1'),
      obj('Deployment', 'a', 'ns2', 'apps/v1'),
      obj('Job', 'a', 'ns1', 'batch/v1'),
      obj('DaemonSet', 'c', 'ns1', 'apps/v1'),
      obj('Service', 'z', 'a-first'),
      obj('Service', 'a', 'b-second'),
    ];
    expect(ids(sortForApply(input))).toEqual([
      'Service/a-first/z',
      'Service/b-second/a',
      'Job/ns1/a',
      'StatefulSet/ns1/b',
      'DaemonSet/ns1/c',
      'Deployment/ns2/a',
    ]);
  });

  it('is deterministic whatever the input order, and does not modify its input', () => {
    const input = [
      obj('Service', 'x', 'n'),
      obj('Endpoints', 'x', 'n'),
      obj('Widget', 'x', 'n', 'example.com/v1'),
      obj('Widget', 'x', 'n', 'example.com/v2'),
      obj('Gadget', 'x', 'n', 'example.com/v1'),
      obj('ServiceAccount', 'x', 'n'),
    ];
    const snapshot = ids(input);
    const expected = ids(sortForApply(input));
    for (let i = 0; i < 20; i += 1) {
      const shuffled = [...input].sort(() => Math.random() - 0.5);
      expect(ids(sortForApply(shuffled))).toEqual(expected);
    }
    expect(ids(input)).toEqual(snapshot);
    expect(expected).toEqual(['ServiceAccount/n/x', 'Service/n/x', 'Endpoints/n/x', 'Gadget/n/x', 'Widget/n/x', 'Widget/n/x']);
  });
});

describe('sortForDelete', () => {
  it('is the exact reverse of the apply order', () => {
    const input = [
      obj('Namespace', 'istio-system'),
      obj('Deployment', 'istio-citadel', 'istio-system', 'apps/v1'),
      obj('ServiceAccount', 'sa', 'istio-system'),
      obj('Service', 'istio-pilot', 'istio-system'),
    ];
    expect(ids(sortForDelete(input))).toEqual(ids(sortForApply(input)).reverse());
    expect(sortForDelete(input).map((o) => o.kind)).toEqual(['Deployment', 'Service', 'ServiceAccount', 'Namespace']);
  });
});
