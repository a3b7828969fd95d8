import { describe, expect, it } from 'vitest';
import { splitServed } from '@meshd/core/plan';
import { unservedBeforeTiller } from './served.js';

describe('unservedBeforeTiller', () => {
  it('names each object the cluster cannot accept and the backend that can install the chart', () => {
    const deployment = { apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'istio-citadel', namespace: 'istio-system' } };
    const { unserved } = splitServed([deployment], new Map([['extensions/v1beta1/Deployment', false]]), { name: 'east', version: 'v1.34.4' });
    expect(unservedBeforeTiller('east', unserved)).toBe(
      'east cannot accept 1 object(s) of this chart, so Tiller would refuse the whole release: Deployment istio-system/istio-citadel: extensions/v1beta1 is not served by east (v1.34.4; removed in 1.16). Tiller was not called. Install this chart with the helm-template backend and compat.convertRemovedApis: true (clusters.east.backend: helm-template), or use a chart made for this Kubernetes version',
    );
  });
});
