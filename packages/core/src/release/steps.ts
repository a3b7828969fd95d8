import { isWrite } from '../plan/objects.js';
import type { ReleasePlan } from './plan.js';
import { actionWrites } from './state.js';
import type { ReleaseAction, ReleaseState } from './state.js';

/** At most this many actions per release per pass: the engine stops after them whatever it observes. */
export const MAX_RELEASE_STEPS = 3;

/** One action the engine carried out, and what it would write (planSignature) when it was chosen. */
export interface TakenStep {
  state: ReleaseState;
  action: ReleaseAction;
  writes: number;
  signature: string;
}

/** Why the engine stopped: in sync, a state whose action writes nothing, no progress, or the step limit. */
export type StopReason = 'converged' | 'nothing-to-do' | 'no-progress' | 'step-limit';

/** Pure: what a plan would do, as text: its state, action and each object write (op and key), sorted. */
export function planSignature(plan: ReleasePlan): string {
  const writes = [...plan.ensure, ...plan.actions]
    .filter(isWrite)
    .map((a) => `${a.op} ${a.key}`)
    .sort();
  return [plan.status.state, plan.action, ...writes].join('\n');
}

/**
 * Pure: the stop rule, applied to the plan chosen from the observation made after the last step
 * (`taken` is never empty). Stop when the release is in sync (`converged`); when its state's action
 * writes nothing (`locked`, `unmanaged`: `nothing-to-do`); when the last step wrote nothing, or the
 * next would write exactly what the last one did (`no-progress`: doing it again would not help);
 * after MAX_RELEASE_STEPS steps (`step-limit`). Undefined: carry out `next`.
 */
export function stopRule(taken: readonly TakenStep[], next: ReleasePlan): StopReason | undefined {
  if (next.status.state === 'in-sync') return 'converged';
  if (!actionWrites(next.action)) return 'nothing-to-do';
  const last = taken[taken.length - 1];
  if (last === undefined) return undefined;
  if (last.writes === 0 || last.signature === planSignature(next)) return 'no-progress';
  return taken.length >= MAX_RELEASE_STEPS ? 'step-limit' : undefined;
}
