import { isIP } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { choosePod } from './choose-pod.js';
import { COMPONENT_SELECTORS, ISTIO_NAMESPACE } from './components.js';
import type { ControlPlaneComponent, EndpointChoice } from './components.js';
import { describePod } from './pod-readiness.js';

/** Result of choosing one component's endpoint: the choice, or a message saying what was found. */
export type ChoiceOutcome = { ok: true; choice: EndpointChoice } | { ok: false; problem: string };

/**
 * Chooses a component's endpoint from the pods its selector listed (pure; `keep` as in choosePod).
 * With no eligible pod the
 * problem names the component and lists what was found, e.g.
 * `pilot: no Running and Ready pod labelled istio=pilot in istio-system (found 1: istio-pilot-x Pending)`.
 */
export function chooseEndpoint(component: ControlPlaneComponent, pods: readonly V1Pod[], keep?: string): ChoiceOutcome {
  const pod = choosePod(pods, keep);
  const ip = pod?.status?.podIP;
  if (pod && ip) return { ok: true, choice: { ip, source: 'pod', pod: pod.metadata?.name ?? '' } };
  const found = pods.length === 0 ? 'found none' : `found ${pods.length}: ${[...pods].map(describePod).sort().join(', ')}`;
  return {
    ok: false,
    problem: `${component}: no Running and Ready pod labelled ${COMPONENT_SELECTORS[component]} in ${ISTIO_NAMESPACE} (${found})`,
  };
}

/**
 * Reads a static override (pure). It must be a literal IPv4 or IPv6 address, because the chart puts
 * it into an Endpoints object; anything else is a problem naming the component and the value.
 */
export function overrideEndpoint(component: ControlPlaneComponent, value: string): ChoiceOutcome {
  const ip = value.trim();
  if (isIP(ip) !== 0 && !ip.includes('%')) return { ok: true, choice: { ip, source: 'override' } };
  return { ok: false, problem: `${component}: endpoints.${component} override "${value}" is not an IP address` };
}
