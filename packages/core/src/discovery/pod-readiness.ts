import type { V1Pod } from '@kubernetes/client-node';

/**
 * Pure reading of a Pod's status. A Pod can serve as a control-plane endpoint when it is Running,
 * its Ready condition is True, it has a podIP and it is not being deleted.
 */
export function isEligiblePod(pod: V1Pod): boolean {
  return ineligibilityReason(pod) === undefined;
}

function isReady(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Why a Pod cannot serve ("Pending", "Running, not Ready", "no podIP", "terminating"), or undefined. */
export function ineligibilityReason(pod: V1Pod): string | undefined {
  const phase = pod.status?.phase ?? 'Unknown';
  if (pod.metadata?.deletionTimestamp) return `${phase}, terminating`;
  if (phase !== 'Running') return phase;
  if (!isReady(pod)) return 'Running, not Ready';
  if (!pod.status?.podIP) return 'Running, Ready, no podIP';
  return undefined;
}

/** "name state" for a Pod, as error messages show it: `istio-pilot-x Pending`, `istio-pilot-y Ready`. */
export function describePod(pod: V1Pod): string {
  const name = pod.metadata?.name ?? '(unnamed)';
  return `${name} ${ineligibilityReason(pod) ?? 'Ready'}`;
}

/** Whether a Pod is on its way to serving at its IP: not terminating, Pending or Running, with a podIP. */
function isComing(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return !pod.metadata?.deletionTimestamp && (phase === 'Pending' || phase === 'Running') && Boolean(pod.status?.podIP);
}

/**
 * A Pod as it will be once it serves, when it is on its way there: not terminating, Pending or
 * Running, with a podIP (its sandbox runs; containers starting or the readiness probe not passed
 * yet). Such a pod is returned Running with its Ready condition True (a copy); any other pod as it
 * is. What MovePreparation renders ahead for; discovery itself never chooses on it. Pure.
 */
export function asIfReady(pod: V1Pod): V1Pod {
  if (!isComing(pod) || isEligiblePod(pod)) return pod;
  const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
  return { ...pod, status: { ...pod.status, phase: 'Running', conditions: [...conditions, { type: 'Ready', status: 'True' }] } };
}
