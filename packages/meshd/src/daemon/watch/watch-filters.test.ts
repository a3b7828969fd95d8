import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { WatchEvent } from './informers.js';
import { cachedForm } from './watch-cache.js';
import { endpointChoiceChanged, isDrift, isOwnWrite } from './watch-filters.js';
import { definePlugin, loadPlugins, meshdConfigSchemaFor, type PluginDefinition } from '@meshd/core';
import { silentLogger } from '@meshd/testkit';
import { BUILTIN_PLUGINS } from '../../plugins.js';
import { daemonWatchSpecs } from './daemon-watch-specs.js';
import { builtinWatchSpecs, pluginWatchSpecs } from './watch-specs.js';

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
  const load = (defs: readonly PluginDefinition<unknown>[], config: Record<string, unknown> = {}) =>
    loadPlugins(defs, meshdConfigSchemaFor(defs).parse(config), silentLogger(), new AbortController().signal);
  const shape = (specs: ReturnType<typeof daemonWatchSpecs>) =>
    specs.map((s) => [s.on, s.target.kind, s.target.labelSelector ?? s.target.fieldSelector ?? '', s.enqueue].join(' '));

  it('the daemon itself watches only the control-plane pods discovery reads', () => {
    expect(shape(builtinWatchSpecs())).toEqual(['control-plane Pod istio in (pilot,mixer,statsd-prom-bridge) endpoint-readers']);
  });

  it("builds every other watch from the registered plugins' declarations: the release engine's, Tiller's, the secrets plugin's", () => {
    expect(shape(daemonWatchSpecs(load(BUILTIN_PLUGINS)))).toEqual([
      'control-plane Pod istio in (pilot,mixer,statsd-prom-bridge) endpoint-readers',
      'each-remote Service app.kubernetes.io/managed-by=meshd this-remote',
      'each-remote Endpoints app.kubernetes.io/managed-by=meshd this-remote',
      // The inventory by name, not by label: an edit that drops its label is still seen.
      'each-remote ConfigMap metadata.name=meshd-release-istio-remote this-remote',
      'each-remote Service heritage=Tiller this-remote',
      'each-remote Endpoints heritage=Tiller this-remote',
      'control-plane Secret metadata.name=istio.default all-remotes',
      'each-remote Secret app.kubernetes.io/managed-by=meshd,meshd.io/component=secrets this-remote',
      'each-remote Namespace  this-remote',
    ]);
  });

  it("marks a backend's remote watches with its name (they run only on its remotes); an addon's and the control plane's run everywhere", () => {
    const specs = daemonWatchSpecs(load(BUILTIN_PLUGINS));
    expect(specs.map((s) => `${shape([s])[0]} ${s.backends?.join(',') ?? 'every remote'}`)).toEqual([
      'control-plane Pod istio in (pilot,mixer,statsd-prom-bridge) endpoint-readers every remote',
      'each-remote Service app.kubernetes.io/managed-by=meshd this-remote helm-template',
      'each-remote Endpoints app.kubernetes.io/managed-by=meshd this-remote helm-template',
      'each-remote ConfigMap metadata.name=meshd-release-istio-remote this-remote helm-template',
      'each-remote Service heritage=Tiller this-remote tiller',
      'each-remote Endpoints heritage=Tiller this-remote tiller',
      'control-plane Secret metadata.name=istio.default all-remotes every remote',
      'each-remote Secret app.kubernetes.io/managed-by=meshd,meshd.io/component=secrets this-remote every remote',
      'each-remote Namespace  this-remote every remote',
    ]);
  });

  it("follows the plugins' config: the release's name and namespace, the secrets' names and per-cluster overrides", () => {
    const specs = daemonWatchSpecs(
      load(BUILTIN_PLUGINS, {
        release: { name: 'mesh', namespace: 'mesh-system' },
        secrets: { names: ['istio.*'] },
        clusters: { east: { secrets: { copyCaSecret: true } } },
      }),
    );
    expect(specs.find((s) => s.target.kind === 'ConfigMap')?.target).toMatchObject({
      namespace: 'mesh-system',
      fieldSelector: 'metadata.name=meshd-release-mesh',
    });
    expect(specs.filter((s) => s.target.kind === 'Service').map((s) => s.target.namespace)).toEqual(['mesh-system', 'mesh-system']);
    expect(shape(specs)).toContain('control-plane Secret metadata.name=istio-ca-secret all-remotes');
  });

  it("a third plugin's declared watch is kept, and two renderers' release watches are kept once", () => {
    const renderer = definePlugin({
      name: 'other-renderer',
      kind: 'renderer',
      configSchema: z.unknown(),
      selectConfig: () => ({}),
      needs: [],
      watches: () => [
        { on: 'control-plane', apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespace: 'ops', enqueue: 'all-remotes', purpose: 'its input' },
      ],
      create: () => ({ render: () => Promise.resolve({ objects: [] }) }),
    }) as PluginDefinition<unknown>;
    const all = daemonWatchSpecs(load([...BUILTIN_PLUGINS, renderer]));
    const specs = shape(all);
    expect(specs.filter((s) => s.includes('metadata.name=meshd-release-istio-remote'))).toHaveLength(1);
    // Kept once, it runs on the remotes of either renderer.
    expect(all.find((s) => s.target.kind === 'ConfigMap' && s.on === 'each-remote')?.backends).toEqual(['helm-template', 'other-renderer']);
    expect(specs.filter((s) => s.endsWith(' app.kubernetes.io/managed-by=meshd this-remote'))).toHaveLength(2);
    expect(specs.at(-1)).toBe('control-plane ConfigMap  all-remotes');
  });

  it("filters by name pattern, and a drift watch ignores meshd's own writes", () => {
    const [spec, drift] = pluginWatchSpecs([
      {
        watch: {
          on: 'control-plane',
          apiVersion: 'v1',
          kind: 'Secret',
          plural: 'secrets',
          namePatterns: ['istio.*'],
          enqueue: 'all-remotes',
          purpose: 'rotations',
        },
      },
      { watch: { on: 'each-remote', apiVersion: 'v1', kind: 'Secret', plural: 'secrets', events: 'drift', enqueue: 'this-remote', purpose: 'copies' } },
    ]);
    expect(spec?.target).toEqual({ apiVersion: 'v1', kind: 'Secret', plural: 'secrets' });
    const relevant = spec!.filter!();
    const secret = (name: string) => ({ type: 'MODIFIED' as const, object: { metadata: { name } } });
    expect(relevant(secret('istio.default'), new Map())).toBe(true);
    expect(relevant(secret('other'), new Map())).toBe(false);
    const drifted = drift!.filter!();
    const own = { type: 'MODIFIED' as const, object: obj([entry('meshd', '2026-01-01T00:00:05Z')]) };
    const theirs = { type: 'MODIFIED' as const, object: obj([entry('meshd', '2026-01-01T00:00:05Z'), entry('kubectl-edit', '2026-01-01T00:00:09Z')]) };
    expect(drifted(own, new Map())).toBe(false);
    expect(drifted(theirs, new Map())).toBe(true);
    expect(drifted({ type: 'DELETED', object: { metadata: { name: 'x' } } }, new Map())).toBe(true);
  });
});
