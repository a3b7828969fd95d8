import { describe, expect, it } from 'vitest';
import { choosePod } from './choose-pod.js';
import { testPod } from '@meshd/testkit';

const name = (pods: Parameters<typeof choosePod>[0]): string | undefined => choosePod(pods)?.metadata?.name;

describe('choosePod', () => {
  it.each([
    ['no pods', [], undefined],
    ['one eligible pod', [testPod('a')], 'a'],
    ['only ineligible pods', [testPod('a', { phase: 'Pending', ready: false }), testPod('b', { ready: false })], undefined],
    ['the oldest eligible pod', [testPod('young', { created: '2024-03-01T00:00:00Z' }), testPod('old', { created: '2024-01-01T00:00:00Z' })], 'old'],
    [
      'an older but unready pod is skipped',
      [testPod('old', { created: '2024-01-01T00:00:00Z', ready: false }), testPod('young', { created: '2024-03-01T00:00:00Z' })],
      'young',
    ],
    [
      'a terminating older pod is skipped',
      [testPod('old', { created: '2024-01-01T00:00:00Z', terminating: true }), testPod('young', { created: '2024-03-01T00:00:00Z' })],
      'young',
    ],
    ['same creation second: smallest name', [testPod('istio-pilot-b'), testPod('istio-pilot-a'), testPod('istio-pilot-c')], 'istio-pilot-a'],
  ])('%s', (_label, pods, expected) => {
    expect(name(pods)).toBe(expected);
  });

  it('does not flap when a second replica appears', () => {
    const serving = testPod('istio-pilot-zzz', { created: '2024-01-01T00:00:00Z', ip: '10.0.0.1' });
    expect(name([serving])).toBe('istio-pilot-zzz');
    const replica = testPod('istio-pilot-aaa', { created: '2024-01-01T00:05:00Z', ip: '10.0.0.2' });
    expect(name([serving, replica])).toBe('istio-pilot-zzz');
    expect(name([replica, serving])).toBe('istio-pilot-zzz');
  });

  it('moves only when the chosen pod stops being eligible', () => {
    const serving = testPod('istio-pilot-1', { created: '2024-01-01T00:00:00Z' });
    const replica = testPod('istio-pilot-2', { created: '2024-01-02T00:00:00Z', ip: '10.0.0.2' });
    const notReady = { ...serving, status: { ...serving.status, conditions: [{ type: 'Ready', status: 'False' }] } };
    expect(name([notReady, replica])).toBe('istio-pilot-2');
  });

  it('a pod without creationTimestamp counts as newest', () => {
    const undated = testPod('a');
    delete undated.metadata!.creationTimestamp;
    expect(name([undated, testPod('z', { created: '2030-01-01T00:00:00Z' })])).toBe('z');
    expect(name([undated])).toBe('a');
  });

  it('the order of the list does not matter', () => {
    const pods = [testPod('c', { created: '2024-01-02T00:00:00Z' }), testPod('b'), testPod('a', { ready: false }), testPod('d')];
    const choices = new Set([pods, [...pods].reverse(), [pods[2]!, pods[0]!, pods[3]!, pods[1]!]].map(name));
    expect([...choices]).toEqual(['b']);
  });

  describe('keep (the previous choice)', () => {
    const serving = testPod('istio-pilot-zzz', { ip: '10.0.0.1' });
    const sameSecond = testPod('istio-pilot-aaa', { ip: '10.0.0.2' });

    it('stays on the kept pod when a same-second replica with a smaller name appears', () => {
      expect(name([serving, sameSecond])).toBe('istio-pilot-aaa');
      expect(choosePod([serving, sameSecond], 'istio-pilot-zzz')?.metadata?.name).toBe('istio-pilot-zzz');
    });

    it('falls back to the oldest rule when the kept pod is gone or not eligible', () => {
      const unready = testPod('istio-pilot-zzz', { ready: false });
      expect(choosePod([unready, sameSecond], 'istio-pilot-zzz')?.metadata?.name).toBe('istio-pilot-aaa');
      expect(choosePod([sameSecond], 'istio-pilot-zzz')?.metadata?.name).toBe('istio-pilot-aaa');
      expect(choosePod([], 'istio-pilot-zzz')).toBeUndefined();
    });
  });
});
