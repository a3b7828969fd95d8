import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../kube/object.js';
import { splitServed } from './served.js';

const deployment: KubeObject = { apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'istio-citadel', namespace: 'istio-system' } };
const role: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1beta1', kind: 'ClusterRole', metadata: { name: 'istio-citadel-istio-system' } };
const service: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istio-pilot', namespace: 'istio-system' } };
const widget: KubeObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
const cluster = { name: 'remote-1', version: 'v1.34.4' };

describe('splitServed', () => {
  it.each([
    [
      deployment,
      'Deployment istio-system/istio-citadel: extensions/v1beta1 is not served by remote-1 (v1.34.4; removed in 1.16); enable compat.convertRemovedApis or use a chart made for this Kubernetes version',
    ],
    [
      role,
      'ClusterRole istio-citadel-istio-system: rbac.authorization.k8s.io/v1beta1 is not served by remote-1 (v1.34.4; removed in 1.22); enable compat.convertRemovedApis or use a chart made for this Kubernetes version',
    ],
    [widget, 'Widget w: example.com/v1 is not served by remote-1 (v1.34.4); install what serves it (a CRD?) or use a chart made for this Kubernetes version'],
  ])('names %j with its apiVersion and the hint', (obj, message) => {
    const served = new Map([
      [`${obj.apiVersion}/${obj.kind}`, false],
      ['v1/Service', true],
    ]);
    const split = splitServed([obj, service], served, cluster);
    expect(split.served).toEqual([service]);
    expect(split.unserved.map((u) => u.message)).toEqual([message]);
  });

  it('keeps objects discovery did not answer for, in order', () => {
    expect(splitServed([service, deployment], new Map(), cluster)).toEqual({ served: [service, deployment], unserved: [] });
  });
});
