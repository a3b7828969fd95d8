import { describe, expect, it } from 'vitest';
import { asIfReady, describePod, ineligibilityReason, isEligiblePod } from './pod-readiness.js';
import { testPod } from '@meshd/testkit';

describe('pod eligibility', () => {
  it.each([
    ['Running, Ready, with IP', testPod('p'), undefined],
    ['Pending', testPod('p', { phase: 'Pending', ready: false, ip: '' }), 'Pending'],
    ['Running but not Ready', testPod('p', { ready: false }), 'Running, not Ready'],
    ['Running, Ready, no podIP', testPod('p', { ip: '' }), 'Running, Ready, no podIP'],
    ['Succeeded', testPod('p', { phase: 'Succeeded', ready: false }), 'Succeeded'],
    ['Failed', testPod('p', { phase: 'Failed' }), 'Failed'],
    ['terminating', testPod('p', { terminating: true }), 'Running, terminating'],
    ['no status at all', { metadata: { name: 'p' } }, 'Unknown'],
  ])('%s', (_label, pod, reason) => {
    expect(ineligibilityReason(pod)).toBe(reason);
    expect(isEligiblePod(pod)).toBe(reason === undefined);
  });

  it('a Ready condition that is not True does not count', () => {
    const pod = testPod('p');
    pod.status!.conditions = [
      { type: 'Ready', status: 'Unknown' },
      { type: 'PodScheduled', status: 'True' },
    ];
    expect(isEligiblePod(pod)).toBe(false);
  });

  it('describes a pod by name and state for error messages', () => {
    expect(describePod(testPod('istio-pilot-x', { phase: 'Pending', ready: false }))).toBe('istio-pilot-x Pending');
    expect(describePod(testPod('istio-pilot-y'))).toBe('istio-pilot-y Ready');
  });

  it.each([
    ['Pending with its IP (containers starting)', testPod('p', { phase: 'Pending', ready: false, ip: '192.0.2.7' }), true],
    ['Running, not Ready yet (readiness probe)', testPod('p', { ready: false, ip: '192.0.2.7' }), true],
    ['Running and Ready already', testPod('p'), true],
    ['Pending without an IP (not scheduled, no sandbox)', testPod('p', { phase: 'Pending', ready: false, ip: '' }), false],
    ['terminating', testPod('p', { ready: false, terminating: true }), false],
    ['Failed', testPod('p', { phase: 'Failed', ready: false }), false],
    ['Succeeded', testPod('p', { phase: 'Succeeded', ready: false }), false],
  ])('asIfReady: %s serves once Ready → %s', (_label, pod, serves) => {
    const before = structuredClone(pod);
    expect(isEligiblePod(asIfReady(pod))).toBe(serves);
    expect(asIfReady(pod).status?.podIP).toBe(pod.status?.podIP);
    expect(pod).toEqual(before);
  });
});
