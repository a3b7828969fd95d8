import { describe, expect, it } from 'vitest';
import { COMPONENT_SELECTORS } from './components.js';
import { chooseEndpoint, overrideEndpoint } from './endpoint-choice.js';
import { testPod } from '@meshd/testkit';

describe('chooseEndpoint', () => {
  it('returns the chosen pod IP and name', () => {
    const pods = [testPod('istio-pilot-b', { ip: '10.1.0.2' }), testPod('istio-pilot-a', { ip: '10.1.0.1' })];
    expect(chooseEndpoint('pilot', pods)).toEqual({ ok: true, choice: { ip: '10.1.0.1', source: 'pod', pod: 'istio-pilot-a' } });
  });

  it('names the component, selector, namespace and every pod found when none is usable', () => {
    const pods = [testPod('istio-pilot-x', { phase: 'Pending', ready: false, ip: '' })];
    expect(chooseEndpoint('pilot', pods)).toEqual({
      ok: false,
      problem: 'pilot: no Running and Ready pod labelled istio=pilot in istio-system (found 1: istio-pilot-x Pending)',
    });
  });

  it('says "found none" for an empty list, with the policy selector that excludes telemetry', () => {
    const outcome = chooseEndpoint('policy', []);
    expect(outcome).toEqual({
      ok: false,
      problem: 'policy: no Running and Ready pod labelled istio=mixer,istio-mixer-type=policy in istio-system (found none)',
    });
  });

  it('lists several ineligible pods sorted', () => {
    const pods = [testPod('s-2', { ready: false }), testPod('s-1', { ip: '' })];
    const outcome = chooseEndpoint('statsd', pods);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.problem).toContain('(found 2: s-1 Running, Ready, no podIP, s-2 Running, not Ready)');
  });
});

describe('component selectors', () => {
  it('select pilot, mixer policy (never telemetry) and the statsd bridge', () => {
    expect(COMPONENT_SELECTORS).toEqual({
      pilot: 'istio=pilot',
      policy: 'istio=mixer,istio-mixer-type=policy',
      statsd: 'istio=statsd-prom-bridge',
    });
  });
});

describe('overrideEndpoint', () => {
  it.each([
    ['10.0.0.5', '10.0.0.5'],
    [' 192.168.1.1 ', '192.168.1.1'],
    ['fd00::5', 'fd00::5'],
  ])('accepts the literal IP %j', (value, ip) => {
    expect(overrideEndpoint('pilot', value)).toEqual({ ok: true, choice: { ip, source: 'override' } });
  });

  it.each(['istio-pilot.istio-system', '10.0.0.300', '10.0.0.5:15010', '', 'fe80::1%eth0'])('rejects %j, naming the key', (value) => {
    const outcome = overrideEndpoint('statsd', value);
    expect(outcome).toEqual({ ok: false, problem: `statsd: endpoints.statsd override "${value}" is not an IP address` });
  });
});
