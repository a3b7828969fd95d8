import { describe, expect, it } from 'vitest';
import type { WatchEvent } from './informers.js';
import { isDrift, isOwnWrite, podEndpointChangeFilter } from './watch-filters.js';
import { builtinWatchSpecs, secretWatchSpecs } from './watch-specs.js';

const entry = (manager: string, time: string) => ({ manager, operation: manager === 'meshd' ? 'Apply' : 'Update', time });
const obj = (managedFields: object[]) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'istio-pilot', namespace: 'istio-system', managedFields } });

describe('drift detection', () => {
  it('treats meshd\'s own latest apply as an echo, and anybody else\'s later write as drift', () => {
    expect(isOwnWrite(obj([entry('meshd', '2026-01-01T00:00:05Z')]))).toBe(true);
    expect(isOwnWrite(obj([entry('meshd', '2026-01-01T00:00:05Z'), entry('kubectl-edit', '2026-01-01T00:01:00Z')]))).toBe(false);
    expect(isOwnWrite(obj([entry('kubectl-edit', '2026-01-01T00:00:01Z'), entry('meshd', '2026-01-01T00:01:00Z')]))).toBe(true);
    expect(isOwnWrite(obj([entry('meshd', '2026-01-01T00:00:05Z'), entry('kubectl', '2026-01-01T00:00:05Z')]))).toBe(false);
    expect(isOwnWrite(obj([]))).toBe(false);
  });

  it('counts every deletion as drift, even of an object meshd wrote last', () => {
    const own = obj([entry('meshd', '2026-01-01T00:00:05Z')]);
    expect(isDrift({ type: 'DELETED', object: own })).toBe(true);
    expect(isDrift({ type: 'MODIFIED', object: own })).toBe(false);
  });
});

const pod = (name: string, ip: string, ready: boolean, extra: object = {}): WatchEvent['object'] => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'istio-system', labels: { istio: 'pilot' }, resourceVersion: String(Math.random()) },
  status: { podIP: ip, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  ...extra,
} as WatchEvent['object']);

describe('podEndpointChangeFilter', () => {
  it('fires on a new IP, readiness and deletion, not on a status heartbeat', () => {
    const relevant = podEndpointChangeFilter();
    expect(relevant({ type: 'ADDED', object: pod('pilot-a', '10.1.0.5', true) })).toBe(true);
    expect(relevant({ type: 'MODIFIED', object: pod('pilot-a', '10.1.0.5', true) })).toBe(false);
    expect(relevant({ type: 'MODIFIED', object: pod('pilot-a', '10.1.0.5', false) })).toBe(true);
    expect(relevant({ type: 'MODIFIED', object: pod('pilot-a', '10.1.0.9', false) })).toBe(true);
    expect(relevant({ type: 'DELETED', object: pod('pilot-a', '10.1.0.9', false) })).toBe(true);
  });
});

describe('watch specs', () => {
  it('watches control-plane pods for every remote and meshd\'s objects on each remote', () => {
    const specs = builtinWatchSpecs('istio-system');
    expect(specs.map((s) => [s.on, s.target.kind, s.enqueue])).toEqual([
      ['control-plane', 'Pod', 'all-remotes'],
      ['each-remote', 'Service', 'this-remote'],
      ['each-remote', 'Endpoints', 'this-remote'],
      ['each-remote', 'Service', 'this-remote'],
      ['each-remote', 'Endpoints', 'this-remote'],
    ]);
    expect(specs[0]?.target.labelSelector).toBe('istio in (pilot,mixer,statsd-prom-bridge)');
    expect(specs[1]?.target.labelSelector).toBe('app.kubernetes.io/managed-by=meshd');
    expect(specs[3]?.target.labelSelector).toBe('heritage=Tiller');
  });

  it('watches the release inventory by name (an edit that drops its label is still seen)', () => {
    const specs = builtinWatchSpecs('istio-system', 'istio-remote');
    expect(specs.map((s) => s.target.kind)).toEqual(['Pod', 'Service', 'Endpoints', 'Service', 'Endpoints', 'ConfigMap']);
    expect(specs[5]).toMatchObject({ on: 'each-remote', enqueue: 'this-remote', target: { namespace: 'istio-system', fieldSelector: 'metadata.name=meshd-release-istio-remote' } });
    expect(specs[5]?.target.labelSelector).toBeUndefined();
  });

  it('filters secret sources by name pattern', () => {
    const [spec] = secretWatchSpecs([{ on: 'control-plane', kind: 'Secret', namePatterns: ['istio.*'], enqueue: 'all-remotes', purpose: 'rotations' }]);
    const relevant = spec?.filter?.();
    const secret = (name: string) => ({ type: 'MODIFIED' as const, object: { metadata: { name } } });
    expect(relevant?.(secret('istio.default'))).toBe(true);
    expect(relevant?.(secret('other'))).toBe(false);
    expect(spec?.target).toEqual({ apiVersion: 'v1', kind: 'Secret', plural: 'secrets' });
  });
});
