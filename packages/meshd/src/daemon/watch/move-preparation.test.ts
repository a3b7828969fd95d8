import { describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { meshdConfigSchemaFor, type PrepareRemotesOptions } from '@meshd/core';
import type { DesiredMesh } from '@meshd/core/descriptor';
import type { DiscoveredEndpoints } from '@meshd/core/discovery';
import { silentLogger, testPod } from '@meshd/testkit';
import { matchesSelector } from './cluster-watches.js';
import { MovePreparation } from './move-preparation.js';

const POLICY = { istio: 'mixer', 'istio-mixer-type': 'policy' };
const pilot = (name: string, ip: string, minute = 0): V1Pod => testPod(name, { created: `2024-01-01T00:0${minute}:00Z`, ip });
const policy = (name: string, ip: string, minute = 0): V1Pod => testPod(name, { labels: POLICY, created: `2024-01-01T00:0${minute}:00Z`, ip });
const statsd = testPod('istio-statsd-a', { labels: { istio: 'statsd-prom-bridge' }, ip: '198.51.100.9' });

/** A MovePreparation over a pod cache the test edits, recording each preparation's endpoints; `gate` holds preparations until opened. */
function harness(options: { mesh?: boolean; synced?: boolean; chosen?: DiscoveredEndpoints } = {}) {
  const cache: V1Pod[] = [pilot('istio-pilot-old', '192.0.2.1'), policy('istio-policy-old', '198.51.100.1'), statsd];
  const prepared: string[] = [];
  let open: () => void = () => {};
  let gate = Promise.resolve();
  const mesh = { remotes: [] } as unknown as DesiredMesh;
  const moves = new MovePreparation({
    pods: (selector) => (options.synced === false ? undefined : cache.filter(matchesSelector(selector))),
    config: () => meshdConfigSchemaFor().parse({ directory: '/nonexistent' }),
    plugins: () => [],
    mesh: () => (options.mesh === false ? undefined : mesh),
    chosen: () => options.chosen,
    prepare: async (o: PrepareRemotesOptions) => {
      prepared.push(`${o.endpoints.pilot} ${o.endpoints.policy}`);
      await gate;
      return 1;
    },
    logger: silentLogger(),
  });
  const hold = (): void => void (gate = new Promise<void>((resolve) => (open = resolve)));
  return { cache, prepared, moves, hold, open: () => open() };
}

describe('MovePreparation: the next move rendered when its pod gets its IP, bounded', () => {
  it('a new Pilot pod Ready beside the serving one: the remotes are prepared once with the endpoints the move will produce', async () => {
    const h = harness();
    h.moves.podsChanged();
    await h.moves.idle();
    expect(h.prepared).toEqual([]);
    h.cache.push(pilot('istio-pilot-new', '192.0.2.2', 5));
    h.moves.podsChanged();
    h.moves.podsChanged();
    await h.moves.idle();
    h.moves.podsChanged(); // a status heartbeat: nothing new
    await h.moves.idle();
    expect(h.prepared).toEqual(['192.0.2.2 198.51.100.1']);
  });

  it('a rollout: prepared once when the new pod has its IP (Pending, then Running not Ready), not again when it turns Ready', async () => {
    const h = harness();
    const starting = (phase: string): V1Pod => testPod('istio-pilot-new', { created: '2024-01-01T00:05:00Z', ip: '192.0.2.2', ready: false, phase });
    h.cache.push(testPod('istio-pilot-new', { created: '2024-01-01T00:05:00Z', ip: '', ready: false, phase: 'Pending' }));
    h.moves.podsChanged(); // scheduled, no sandbox yet: no IP, nothing to prepare
    await h.moves.idle();
    expect(h.prepared).toEqual([]);
    const seen: string[][] = [];
    for (const next of [starting('Pending'), starting('Running'), pilot('istio-pilot-new', '192.0.2.2', 5)]) {
      h.cache.splice(h.cache.length - 1, 1, next);
      h.moves.podsChanged();
      await h.moves.idle();
      seen.push([...h.prepared]);
    }
    const once = ['192.0.2.2 198.51.100.1'];
    expect(seen).toEqual([once, once, once]);
  });

  it("a rollout whose new pod shares the serving pod's second and sorts first: prepared once, the serving pod kept as the passes keep it", async () => {
    const chosen: DiscoveredEndpoints = {
      pilot: { ip: '192.0.2.1', source: 'pod', pod: 'istio-pilot-old' },
      policy: { ip: '198.51.100.1', source: 'pod', pod: 'istio-policy-old' },
      statsd: { ip: '198.51.100.9', source: 'pod', pod: 'istio-statsd-a' },
    };
    const h = harness({ chosen });
    // Same creation second as istio-pilot-old (minute 0), and "istio-pilot-aaa" < "istio-pilot-old".
    h.cache.push(testPod('istio-pilot-aaa', { created: '2024-01-01T00:00:00Z', ip: '192.0.2.2', ready: false, phase: 'Running' }));
    h.moves.podsChanged();
    await h.moves.idle();
    h.cache.splice(h.cache.length - 1, 1, pilot('istio-pilot-aaa', '192.0.2.2'));
    h.moves.podsChanged(); // Ready: the move is the same one, not one back to the old pod
    await h.moves.idle();
    expect(h.prepared).toEqual(['192.0.2.2 198.51.100.1']);
  });

  it('events while a preparation runs are one more look, not one preparation each', async () => {
    const h = harness();
    h.hold();
    h.cache.push(pilot('istio-pilot-new', '192.0.2.2', 5));
    h.moves.podsChanged();
    for (let i = 0; i < 10; i++) h.moves.podsChanged();
    h.open();
    await h.moves.idle();
    expect(h.prepared).toEqual(['192.0.2.2 198.51.100.1']);
  });

  it('a change right after a look that found nothing is looked at too (two events in one chunk)', async () => {
    const h = harness();
    h.moves.podsChanged(); // the new pod ADDED, Pending: nothing to prepare
    h.cache.push(pilot('istio-pilot-new', '192.0.2.2', 5));
    h.moves.podsChanged(); // the same pod MODIFIED, Ready, before the first look's promise settled
    await h.moves.idle();
    expect(h.prepared).toEqual(['192.0.2.2 198.51.100.1']);
  });

  it('a successor that stopped being one before its turn is dropped, never prepared', async () => {
    const h = harness();
    h.hold();
    h.cache.push(pilot('istio-pilot-new', '192.0.2.2', 5), policy('istio-policy-new', '198.51.100.2', 5));
    h.moves.podsChanged();
    h.cache.splice(
      h.cache.findIndex((p) => p.metadata?.name === 'istio-policy-new'),
      1,
    );
    h.open();
    await h.moves.idle();
    expect(h.prepared).toEqual(['192.0.2.2 198.51.100.1']);
  });

  it('every component with a standby is prepared, one at a time; a new standby at another IP is a new move', async () => {
    const h = harness();
    h.cache.push(pilot('istio-pilot-new', '192.0.2.2', 5), policy('istio-policy-new', '198.51.100.2', 5));
    h.moves.podsChanged();
    await h.moves.idle();
    h.cache.splice(
      h.cache.findIndex((p) => p.metadata?.name === 'istio-pilot-new'),
      1,
      pilot('istio-pilot-newer', '192.0.2.3', 6),
    );
    h.moves.podsChanged();
    await h.moves.idle();
    expect(h.prepared).toEqual(['192.0.2.2 198.51.100.1', '192.0.2.1 198.51.100.2', '192.0.2.3 198.51.100.1']);
  });

  it.each([
    ['before the first pass (no mesh)', { mesh: false }],
    ['while the pod cache cannot vouch for itself', { synced: false }],
  ])('prepares nothing %s', async (_label, options) => {
    const h = harness(options);
    h.cache.push(pilot('istio-pilot-new', '192.0.2.2', 5));
    h.moves.podsChanged();
    await h.moves.idle();
    expect(h.prepared).toEqual([]);
  });
});
