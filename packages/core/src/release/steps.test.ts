import { describe, expect, it } from 'vitest';
import type { ObjectAction } from '../plan/objects.js';
import type { ReleasePlan } from './plan.js';
import { NEXT_STEP } from './state.js';
import type { ReleaseState } from './state.js';
import { MAX_RELEASE_STEPS, planSignature, stopRule } from './steps.js';
import type { TakenStep } from './steps.js';

const write = (name: string): ObjectAction => ({
  op: 'update',
  key: `v1/Service/istio-system/${name}`,
  ref: { apiVersion: 'v1', kind: 'Service', name },
  reason: 'drifted',
});
const plan = (state: ReleaseState, actions: ObjectAction[] = []): ReleasePlan => ({
  release: 'istio-remote',
  namespace: 'istio-system',
  status: { state, reason: 'r' },
  action: NEXT_STEP[state],
  desiredHash: 'h1',
  ensure: [],
  actions,
  observedInventory: undefined,
  finalInventory: undefined,
  uids: new Map(),
  warnings: [],
});
const took = (p: ReleasePlan, writes = 2): TakenStep => ({ state: p.status.state, action: p.action, writes, signature: planSignature(p) });

describe('the stop rule, after each step', () => {
  const cases: { name: string; taken: TakenStep[]; next: ReleasePlan; stop: string | undefined }[] = [
    { name: 'in sync after an install', taken: [took(plan('absent', [write('a')]))], next: plan('in-sync'), stop: 'converged' },
    { name: 'nothing left after an uninstall', taken: [took(plan('removed', [write('a')]))], next: plan('in-sync'), stop: 'converged' },
    { name: 'another writer took the release', taken: [took(plan('drifted', [write('a')]))], next: plan('locked'), stop: 'nothing-to-do' },
    { name: 'an object appeared that is not ours', taken: [took(plan('absent', [write('a')]))], next: plan('unmanaged'), stop: 'nothing-to-do' },
    { name: 'the same repair again: no progress', taken: [took(plan('drifted', [write('a')]))], next: plan('drifted', [write('a')]), stop: 'no-progress' },
    { name: 'the last step wrote nothing', taken: [took(plan('drifted', [write('a')]), 0)], next: plan('drifted', [write('b')]), stop: 'no-progress' },
    { name: 'a different repair: one more step', taken: [took(plan('out-of-sync', [write('a')]))], next: plan('drifted', [write('b')]), stop: undefined },
    {
      name: `after ${MAX_RELEASE_STEPS} steps: the step limit`,
      taken: [took(plan('out-of-sync', [write('a')])), took(plan('drifted', [write('b')])), took(plan('drifted', [write('c')]))],
      next: plan('drifted', [write('d')]),
      stop: 'step-limit',
    },
  ];
  it.each(cases)('$name → $stop', (c) => {
    expect(stopRule(c.taken, c.next)).toBe(c.stop);
  });

  it('never lets a pass take more than MAX_RELEASE_STEPS steps, whatever it observes', () => {
    const taken: TakenStep[] = [];
    for (let i = 0; ; i++) {
      const next = plan('drifted', [write(`o${i}`)]);
      if (taken.length > 0 && stopRule(taken, next) !== undefined) break;
      taken.push(took(next));
    }
    expect(taken).toHaveLength(MAX_RELEASE_STEPS);
  });
});
