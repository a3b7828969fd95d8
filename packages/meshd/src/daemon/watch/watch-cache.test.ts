import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { choosePod } from '@meshd/core/discovery';
import { cachedForm } from './watch-cache.js';

const managedFields = [{ manager: 'meshd', operation: 'Apply', time: '2026-01-01T00:00:05Z', fieldsV1: { 'f:data': { 'f:key': {} } } }];

describe('what a watch keeps of an object (cachedForm)', () => {
  it('keeps identity, version, labels and the deletion mark of a Secret copy, never its data, annotations or managedFields', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'istio.io/key-and-cert',
      metadata: {
        name: 'istio.default',
        namespace: 'app-1',
        uid: 'u-1',
        resourceVersion: '42',
        labels: { 'app.kubernetes.io/managed-by': 'meshd' },
        annotations: { 'meshd.io/hash': 'abc' },
        managedFields,
        deletionTimestamp: new Date('2026-01-01T00:00:09Z'),
      },
      data: { 'key.pem': 'c2VjcmV0LWtleQ==', 'cert-chain.pem': 'Y2VydA==' },
    } as unknown as KubernetesObject;
    expect(cachedForm(secret)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'istio.default',
        namespace: 'app-1',
        uid: 'u-1',
        resourceVersion: '42',
        labels: { 'app.kubernetes.io/managed-by': 'meshd' },
        deletionTimestamp: new Date('2026-01-01T00:00:09Z'),
      },
    });
    expect(JSON.stringify(cachedForm(secret))).not.toContain('c2VjcmV0LWtleQ');
  });

  it("keeps a Pod's phase, IP and conditions (what says whether it serves), not its spec or other status", () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'istio-pilot-1', namespace: 'istio-system', resourceVersion: '7', labels: { istio: 'pilot' } },
      spec: { containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:0.8.0' }] },
      status: {
        phase: 'Running',
        podIP: '192.0.2.10',
        hostIP: '192.0.2.1',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        containerStatuses: [{ name: 'discovery', ready: true }],
      },
    } as KubernetesObject;
    expect(cachedForm(pod)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'istio-pilot-1', namespace: 'istio-system', resourceVersion: '7', labels: { istio: 'pilot' } },
      status: { phase: 'Running', podIP: '192.0.2.10', conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });

  it('takes malformed objects without throwing: no metadata, a status that is not an object, conditions of the wrong shape', () => {
    expect(cachedForm({})).toEqual({ metadata: {} });
    expect(cachedForm({ kind: 'Pod', status: 'Running' } as unknown as KubernetesObject)).toEqual({ kind: 'Pod', metadata: {} });
    const odd = {
      kind: 'Pod',
      metadata: { name: 'p' },
      status: { phase: 3, podIP: ['192.0.2.3'], conditions: [null, 'Ready', { type: 'Ready', status: true }, { type: 'Ready', status: 'True' }] },
    };
    expect(cachedForm(odd as unknown as KubernetesObject)).toEqual({
      kind: 'Pod',
      metadata: { name: 'p' },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
  });
});

describe('discovery from the cache chooses what it would choose from a list', () => {
  const pilot = (name: string, created: string, ip: string): KubernetesObject =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'istio-system',
        resourceVersion: '1',
        labels: { istio: 'pilot' },
        creationTimestamp: new Date(created),
        annotations: { big: 'x'.repeat(1000) },
      },
      spec: { containers: [{ name: 'discovery' }] },
      status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
    }) as KubernetesObject;

  it('keeps creationTimestamp, so the oldest serving Pilot is still the one chosen (a newer replica does not move it)', () => {
    // The newer pod is listed first and has the smaller name: only the timestamp makes the older one win.
    const pods = [pilot('istio-pilot-a', '2026-01-01T00:05:00Z', '192.0.2.20'), pilot('istio-pilot-b', '2026-01-01T00:00:00Z', '192.0.2.10')];
    const fromList = choosePod(pods);
    const fromCache = choosePod(pods.map(cachedForm));
    expect(fromList?.metadata?.name).toBe('istio-pilot-b');
    expect(fromCache?.metadata?.name).toBe('istio-pilot-b');
    expect(fromCache?.status?.podIP).toBe('192.0.2.10');
  });
});
