import type { V1Pod } from '@kubernetes/client-node';
import { isEligiblePod } from './pod-readiness.js';

function creationMillis(pod: V1Pod): number {
  const created = pod.metadata?.creationTimestamp;
  if (created === undefined) return Number.POSITIVE_INFINITY;
  const ms = new Date(created).getTime();
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

function compareOldestFirst(a: V1Pod, b: V1Pod): number {
  const byAge = creationMillis(a) - creationMillis(b);
  if (byAge !== 0 && !Number.isNaN(byAge)) return byAge;
  const nameA = a.metadata?.name ?? '';
  const nameB = b.metadata?.name ?? '';
  return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

/**
 * Picks the Pod whose IP remotes should use, or undefined when none is eligible (Running, Ready,
 * with a podIP, not terminating). Rule, in order:
 * 1. `keep` (the pod chosen last time) while it is still eligible: a choice only moves when the
 *    chosen Pod stops serving;
 * 2. otherwise the OLDEST eligible Pod by metadata.creationTimestamp, ties (the timestamp has
 *    one-second resolution) to the smallest name; a Pod without a timestamp counts as newest.
 * A second replica is younger than the serving one, so scaling up or a rolling update does not move
 * the choice even without `keep`, unless the replica was created within the same second. Pure; the
 * order of `pods` does not matter.
 */
export function choosePod(pods: readonly V1Pod[], keep?: string): V1Pod | undefined {
  const eligible = pods.filter(isEligiblePod);
  const kept = keep === undefined ? undefined : eligible.find((p) => p.metadata?.name === keep);
  if (kept) return kept;
  eligible.sort(compareOldestFirst);
  return eligible[0];
}
