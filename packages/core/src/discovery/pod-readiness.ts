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
