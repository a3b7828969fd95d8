import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { V1Pod } from '@kubernetes/client-node';
import { testPod } from '@meshd/testkit';
import { chooseEndpoint } from './endpoint-choice.js';
import { asIfReady } from './pod-readiness.js';
import { nextMoves, type PodsByComponent } from './next-move.js';

const OLD = '2024-01-01T00:00:00Z';
const NEW = '2024-01-01T00:10:00Z';
const policy = testPod('istio-policy-a', { labels: { istio: 'mixer', 'istio-mixer-type': 'policy' }, ip: '198.51.100.1' });
const statsd = testPod('istio-statsd-a', { labels: { istio: 'statsd-prom-bridge' }, ip: '198.51.100.2' });
const pilotPods = (...pods: V1Pod[]): PodsByComponent => ({ pilot: pods, policy: [policy], statsd: [statsd] });
const serving = testPod('istio-pilot-old', { created: OLD, ip: '192.0.2.1' });

describe('nextMoves: the endpoints a Pilot move will produce, known before the old pod goes', () => {
  it.each([
    ['one pod per component: nothing to move to', pilotPods(serving), []],
    ['a new Pilot pod Ready beside the serving one', pilotPods(serving, testPod('istio-pilot-new', { created: NEW, ip: '192.0.2.2' })), ['pilot→192.0.2.2']],
    [
      'a new Pilot pod Running with its IP, not Ready yet: the move it will make',
      pilotPods(serving, testPod('istio-pilot-new', { created: NEW, ip: '192.0.2.2', ready: false })),
      ['pilot→192.0.2.2 once Ready'],
    ],
    [
      'a new Pilot pod Pending with its IP (containers starting): the move it will make',
      pilotPods(serving, testPod('istio-pilot-new', { created: NEW, ip: '192.0.2.2', ready: false, phase: 'Pending' })),
      ['pilot→192.0.2.2 once Ready'],
    ],
    ['a new Pilot pod without an IP', pilotPods(serving, testPod('istio-pilot-new', { created: NEW, ip: '', ready: false, phase: 'Pending' })), []],
    ['a new Pilot pod that failed', pilotPods(serving, testPod('istio-pilot-new', { created: NEW, ip: '192.0.2.2', ready: false, phase: 'Failed' })), []],
    [
      'an older standby not Ready and a younger one Ready: the move now, and the one if the older turns Ready',
      pilotPods(
        serving,
        testPod('istio-pilot-newest', { created: '2024-01-01T00:20:00Z', ip: '192.0.2.3' }),
        testPod('istio-pilot-new', { created: NEW, ip: '192.0.2.2', ready: false }),
      ),
      ['pilot→192.0.2.3', 'pilot→192.0.2.2 once Ready'],
    ],
    ['a successor at the same IP is no move', pilotPods(serving, testPod('istio-pilot-new', { created: NEW, ip: '192.0.2.1' })), []],
    [
      'two standbys: the oldest of them takes over',
      pilotPods(
        serving,
        testPod('istio-pilot-newest', { created: '2024-01-01T00:20:00Z', ip: '192.0.2.3' }),
        testPod('istio-pilot-new', { created: NEW, ip: '192.0.2.2' }),
      ),
      ['pilot→192.0.2.2'],
    ],
    ['no serving Pilot: discovery would fail, nothing to prepare', pilotPods(testPod('istio-pilot-old', { created: OLD, ready: false })), []],
  ])('%s', (_label, pods, expected) => {
    expect(nextMoves(pods, {}).map((m) => `${m.component}→${m.to.ip}${m.prospective ? ' once Ready' : ''}`)).toEqual(expected);
  });

  it('keeps the other components as chosen now, and names the pod it moves from', () => {
    const [move] = nextMoves(pilotPods(serving, testPod('istio-pilot-new', { created: NEW, ip: '192.0.2.2' })), {});
    expect(move).toEqual({
      component: 'pilot',
      from: { ip: '192.0.2.1', source: 'pod', pod: 'istio-pilot-old' },
      to: { ip: '192.0.2.2', source: 'pod', pod: 'istio-pilot-new' },
      endpoints: {
        pilot: { ip: '192.0.2.2', source: 'pod', pod: 'istio-pilot-new' },
        policy: { ip: '198.51.100.1', source: 'pod', pod: 'istio-policy-a' },
        statsd: { ip: '198.51.100.2', source: 'pod', pod: 'istio-statsd-a' },
      },
      prospective: false,
    });
  });

  it('a successor created in the same second as the chosen pod, its name sorting first: the pod chosen last stays chosen', () => {
    const old = testPod('istio-pilot-zz', { created: OLD, ip: '192.0.2.1' });
    const successor = testPod('istio-pilot-aa', { created: OLD, ip: '192.0.2.2' });
    const chosen = { pilot: { ip: '192.0.2.1', source: 'pod' as const, pod: 'istio-pilot-zz' } };
    // Without the last choice, the tie goes to the smaller name: the "move" would be back to the old pod.
    expect(nextMoves(pilotPods(old, successor), {}).map((m) => m.to.pod)).toEqual(['istio-pilot-zz']);
    expect(nextMoves(pilotPods(old, successor), {}, chosen).map((m) => `${m.from.pod}→${m.to.pod}`)).toEqual(['istio-pilot-zz→istio-pilot-aa']);
    // The last choice no longer serves: the oldest eligible pod, as a pass would choose.
    expect(nextMoves(pilotPods(successor), {}, chosen)).toEqual([]);
  });

  it('an overridden component never moves, and its override is in every move', () => {
    const pods = pilotPods(serving, testPod('istio-pilot-new', { created: NEW, ip: '192.0.2.2' }));
    expect(nextMoves(pods, { pilot: '203.0.113.9' })).toEqual([]);
    const policyStandby = testPod('istio-policy-b', { labels: { istio: 'mixer', 'istio-mixer-type': 'policy' }, created: NEW, ip: '198.51.100.7' });
    const moves = nextMoves({ ...pods, policy: [policy, policyStandby] }, { pilot: '203.0.113.9' });
    expect(moves.map((m) => [m.component, m.endpoints.pilot.ip, m.endpoints.policy.ip])).toEqual([['policy', '203.0.113.9', '198.51.100.7']]);
  });

  const podSpec = fc.record({
    name: fc.constantFrom('istio-pilot-a', 'istio-pilot-b', 'istio-pilot-c', 'istio-pilot-d'),
    minute: fc.integer({ min: 0, max: 3 }),
    ip: fc.constantFrom('192.0.2.1', '192.0.2.2', '192.0.2.3', ''),
    phase: fc.constantFrom('Pending', 'Running', 'Failed'),
    ready: fc.boolean(),
    terminating: fc.boolean(),
  });
  const podsOf = fc
    .uniqueArray(podSpec, { selector: (p) => p.name, maxLength: 4 })
    .map((specs) => specs.map((s) => testPod(s.name, { created: `2024-01-01T00:0${s.minute}:00Z`, ...s })));
  /** Discovery's choice once the chosen pod is terminating, with `others` mapped (as they are, or as they will be). */
  const afterChosenGoes = (pilot: V1Pod[], chosen: string, others: (p: V1Pod) => V1Pod) =>
    chooseEndpoint(
      'pilot',
      pilot.map((p) => (p.metadata?.name === chosen ? { ...p, metadata: { ...p.metadata, deletionTimestamp: new Date() } } : others(p))),
    );

  it('property: the move over the pods serving now is exactly what discovery chooses once the chosen pod is terminating', () => {
    fc.assert(
      fc.property(podsOf, (pilot) => {
        const before = chooseEndpoint('pilot', pilot);
        const moves = nextMoves(pilotPods(...pilot), {});
        if (!before.ok) {
          expect(moves).toEqual([]);
          return;
        }
        const after = afterChosenGoes(pilot, before.choice.pod ?? '', (p) => p);
        const moved = after.ok && after.choice.ip !== before.choice.ip;
        expect(moves.filter((m) => !m.prospective).map((m) => m.to)).toEqual(moved ? [after.choice] : []);
      }),
    );
  });

  it('property: the prospective move is what discovery chooses once the pods with an IP turn Ready and the chosen one goes', () => {
    fc.assert(
      fc.property(podsOf, (pilot) => {
        const before = chooseEndpoint('pilot', pilot);
        const moves = nextMoves(pilotPods(...pilot), {});
        if (!before.ok) return;
        const now = afterChosenGoes(pilot, before.choice.pod ?? '', (p) => p);
        const ready = afterChosenGoes(pilot, before.choice.pod ?? '', asIfReady);
        const expected = ready.ok && ready.choice.ip !== before.choice.ip && !(now.ok && now.choice.ip === ready.choice.ip) ? [ready.choice] : [];
        expect(moves.filter((m) => m.prospective).map((m) => m.to)).toEqual(expected);
      }),
    );
  });
});
