import { containsDesired, differences } from '@meshd/core/plan';
import { objectKey } from '@meshd/core/kube';
import { decideRelease, nameOf } from './decide.js';
import type { ObservedPrerequisites } from './prerequisites.js';
import type { TillerPlan, TillerPlanInput, TillerStep } from './steps.js';

/** Pure: a create step for every Tiller prerequisite that is absent (never updated, never deleted). */
export function prerequisiteSteps(prerequisites: ObservedPrerequisites | undefined): TillerStep[] {
  if (prerequisites === undefined) return [];
  return prerequisites.objects.filter((o) => (prerequisites.live.get(objectKey(o)) ?? null) === null).map((object) => ({ op: 'create', object }));
}

/** What the install or upgrade will do to each object, for display (at most 8 entries). Pure. */
export function objectChangesOf(input: Pick<TillerPlanInput, 'desired' | 'live'>): string[] {
  const out: string[] = [];
  for (const obj of input.desired) {
    const live = input.live.get(objectKey(obj)) ?? null;
    if (live === null) out.push(`creates ${nameOf(obj)}`);
    else if (!containsDesired(live, obj)) out.push(`changes ${nameOf(obj)} (${differences(live, obj, 3).join(', ')})`);
  }
  return out.length > 8 ? [...out.slice(0, 8), `${out.length - 8} more`] : out;
}

/**
 * Pure: plans a Tiller release on one cluster on core's release table: observed state → its one
 * action (NEXT_STEP) → the Helm 2 steps that carry it out (decide.ts). Prerequisites (with `tiller.ensure`) come first; an in-sync release with its
 * prerequisites in place has no step, so applying it runs no helm command that writes.
 */
export function planTillerRelease(input: TillerPlanInput): TillerPlan {
  const decision = decideRelease(input);
  const latest = input.observation.tiller === 'found' ? (input.observation.release?.revisions.at(-1)?.revision ?? 0) : 0;
  const changesRelease = decision.steps.some((s) => s.op === 'install' || s.op === 'upgrade');
  const plan: TillerPlan = {
    release: input.release,
    namespace: input.namespace,
    status: decision.status,
    action: decision.action,
    desiredHash: input.desiredHash,
    revision: latest,
    steps: decision.error === undefined ? [...prerequisiteSteps(input.prerequisites), ...decision.steps] : [],
    objectChanges: changesRelease ? objectChangesOf(input) : [],
  };
  if (decision.error !== undefined) plan.error = decision.error;
  return plan;
}
