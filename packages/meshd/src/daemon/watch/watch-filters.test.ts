import { describe, expect, it } from 'vitest';
import type { WatchEvent } from './informers.js';
import { cachedForm } from './watch-cache.js';
import { endpointChoiceChanged, isDrift, isOwnWrite } from './watch-filters.js';
import { builtinWatchSpecs, secretWatchSpecs } from './watch-specs.js';

const entry = (manager: string, time: string) => ({ manager, operation: manager === 'meshd' ? 'Apply' : 'Update', time });
const obj = (managedFields: object[]) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'istio-pilot', namespace: 'istio-system', managedFields } });

describe('drift detection', () => {
  it("treats meshd's own latest apply as an echo, and anybody else's later write as drift", () => {
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

const pod = (
  name: string,
  ip: string,
  ready: boolean,
  extra: { labels?: Record<string, string>; deleting?: boolean; phase?: string } = {},
): WatchEvent['object'] =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'istio-system',
      labels: extra.labels ?? { istio: 'pilot' },
      resourceVersion: String(Math.random()),
      ...(extra.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    status: { podIP: ip, phase: extra.phase ?? 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  }) as WatchEvent['object'];

/** Plays events through endpointChoiceChanged with a cache kept the way the watch keeps it; returns each verdict. */
function play(initial: WatchEvent['object'][], events: WatchEvent[]): boolean[] {
  const known = new Map(initial.map((p) => [`istio-system/${p.metadata?.name ?? ''}`, cachedForm(p)]));
  return events.map((event) => {
    const verdict = endpointChoiceChanged(event, known);
    const key = `istio-system/${event.object.metadata?.name ?? ''}`;
    if (event.type === 'DELETED') known.delete(key);
    else known.set(key, cachedForm(event.object));
    return verdict;
  });
}

describe('endpointChoiceChanged (control-plane pods)', () => {
  it("reports a Pilot move once: at the old pod's deletion, not when the new pod appears or gets Ready", () => {
    const old = pod('pilot-old', '10.1.0.5', true);
    expect(
      play(
        [old, pod('policy-a', '10.1.0.7', true, { labels: { istio: 'mixer', 'istio-mixer-type': 'policy' } })],
        [
          { type: 'ADDED', object: pod('pilot-new', '', false, { phase: 'Pending' }) },
          { type: 'MODIFIED', object: pod('pilot-new', '10.1.0.9', true) },
          { type: 'MODIFIED', object: pod('pilot-old', '10.1.0.5', true, { deleting: true }) },
          { type: 'DELETED', object: pod('pilot-old', '10.1.0.5', true, { deleting: true }) },
        ],
      ),
    ).toEqual([false, false, true, false]);
  });

  it('reports a pod deleted without a terminating phase first, and a serving pod that stops being Ready', () => {
    expect(play([pod('pilot-a', '10.1.0.5', true)], [{ type: 'DELETED', object: pod('pilot-a', '10.1.0.5', true) }])).toEqual([true]);
    expect(play([pod('pilot-a', '10.1.0.5', true)], [{ type: 'MODIFIED', object: pod('pilot-a', '10.1.0.5', false) }])).toEqual([true]);
  });

  it('reports the first pod of a component that becomes Ready, and no status heartbeat', () => {
    expect(
      play(
        [pod('pilot-a', '10.1.0.5', false)],
        [
          { type: 'MODIFIED', object: pod('pilot-a', '10.1.0.5', false) },
          { type: 'MODIFIED', object: pod('pilot-a', '10.1.0.5', true) },
          { type: 'MODIFIED', object: pod('pilot-a', '10.1.0.5', true) },
        ],
      ),
    ).toEqual([false, true, false]);
  });

  it('counts components apart: a Ready Pilot does not stand in for the first Ready policy pod', () => {
    const policy = { labels: { istio: 'mixer', 'istio-mixer-type': 'policy' } };
    expect(play([pod('pilot-a', '10.1.0.5', true)], [{ type: 'ADDED', object: pod('policy-a', '10.1.0.7', true, policy) }])).toEqual([true]);
  });

  it('ignores Mixer telemetry pods, which remotes never use', () => {
    const telemetry = { labels: { istio: 'mixer', 'istio-mixer-type': 'telemetry' } };
    expect(
      play(
        [],
        [
          { type: 'ADDED', object: pod('telemetry-a', '10.1.0.8', true, telemetry) },
          { type: 'DELETED', object: pod('telemetry-a', '10.1.0.8', true, telemetry) },
        ],
      ),
    ).toEqual([false, false]);
  });

  it('reports a serving pod whose IP or component label changes (hostile or odd input still converges)', () => {
    expect(
      play([pod('pilot-a', '10.1.0.5', true), pod('pilot-b', '10.1.0.6', true)], [{ type: 'MODIFIED', object: pod('pilot-a', '10.1.0.9', true) }]),
    ).toEqual([true]);
    expect(
      play([pod('pilot-a', '10.1.0.5', true)], [{ type: 'MODIFIED', object: pod('pilot-a', '10.1.0.5', true, { labels: { istio: 'statsd-prom-bridge' } }) }]),
    ).toEqual([true]);
    expect(
      play(
        [],
        [
          { type: 'ADDED', object: { apiVersion: 'v1', kind: 'Pod' } },
          { type: 'ADDED', object: pod('pilot-x', 'not-an-ip', true, { labels: {} }) },
        ],
      ),
    ).toEqual([false, false]);
  });
});

describe('watch specs', () => {
  it("watches control-plane pods for every remote and meshd's objects on each remote", () => {
    const specs = builtinWatchSpecs('istio-system');
    expect(specs.map((s) => [s.on, s.target.kind, s.enqueue])).toEqual([
      ['control-plane', 'Pod', 'endpoint-readers'],
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
    expect(specs[5]).toMatchObject({
      on: 'each-remote',
      enqueue: 'this-remote',
      target: { namespace: 'istio-system', fieldSelector: 'metadata.name=meshd-release-istio-remote' },
    });
    expect(specs[5]?.target.labelSelector).toBeUndefined();
  });

  it('filters secret sources by name pattern', () => {
    const [spec] = secretWatchSpecs([{ on: 'control-plane', kind: 'Secret', namePatterns: ['istio.*'], enqueue: 'all-remotes', purpose: 'rotations' }]);
    const relevant = spec?.filter?.();
    const secret = (name: string) => ({ type: 'MODIFIED' as const, object: { metadata: { name } } });
    expect(relevant?.(secret('istio.default'), new Map())).toBe(true);
    expect(relevant?.(secret('other'), new Map())).toBe(false);
    expect(spec?.target).toEqual({ apiVersion: 'v1', kind: 'Secret', plural: 'secrets' });
  });
});
