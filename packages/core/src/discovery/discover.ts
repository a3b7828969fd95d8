import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/client.js';
import { MeshdError } from '../errors.js';
import { COMPONENT_SELECTORS, CONTROL_PLANE_COMPONENTS, ISTIO_NAMESPACE } from './components.js';
import type { ControlPlaneComponent, DiscoveredEndpoints, EndpointChoice, EndpointOverrides } from './components.js';
import { chooseEndpoint, overrideEndpoint } from './endpoint-choice.js';
import type { ChoiceOutcome } from './endpoint-choice.js';
import { abortableCall } from './request-options.js';

/** Options of discoverEndpoints. */
export interface DiscoverOptions {
  signal?: AbortSignal;
  /** The last result: a chosen pod that is still eligible stays chosen (no flapping between replicas). */
  previous?: Partial<DiscoveredEndpoints>;
  /**
   * The istio-system pods matching a label selector from a cache kept by a watch (the daemon's);
   * undefined (or a cache that answers undefined: not synced) lists them from the API server.
   */
  pods?: (labelSelector: string) => readonly V1Pod[] | undefined;
}

/** The component's pods: from the cache when it answers, else one list request. */
async function podsOf(cp: ClusterClient, component: ControlPlaneComponent, options: DiscoverOptions): Promise<readonly V1Pod[]> {
  const cached = options.pods?.(COMPONENT_SELECTORS[component]);
  if (cached !== undefined) return cached;
  const list = await cp.core.listNamespacedPod({ namespace: ISTIO_NAMESPACE, labelSelector: COMPONENT_SELECTORS[component] }, abortableCall(options.signal));
  return list.items;
}

async function lookUp(cp: ClusterClient, component: ControlPlaneComponent, options: DiscoverOptions): Promise<ChoiceOutcome> {
  const pods = await podsOf(cp, component, options);
  const last = options.previous?.[component];
  return chooseEndpoint(component, pods, last?.source === 'pod' ? last.pod : undefined);
}

function problemsOf(outcomes: readonly ChoiceOutcome[]): string[] {
  return outcomes.flatMap((o) => (o.ok ? [] : [o.problem]));
}

/**
 * Finds the Pilot, Mixer policy and statsd endpoints on the control-plane cluster: an override from
 * config wins and skips that component's lookup; otherwise one list of istio-system pods by label,
 * then `choosePod`'s deterministic rule. Holds no state: the caller passes the previous result
 * (`options.previous`, or an AbortSignal in place of options) to keep a still-serving pod chosen.
 *
 * Errors: an override that is not an IP is MESHD_ERR_INVALID_CONFIG (terminal), raised before any
 * request. When a component has no usable pod, one MeshdError MESHD_ERR_DISCOVERY (not terminal:
 * the caller retries with backoff) names every such component and the pods found. API failures
 * propagate unchanged, so the caller can tell an unreachable control plane (`isUnreachable`) from a
 * missing pod.
 */
export async function discoverEndpoints(
  cp: ClusterClient,
  overrides: EndpointOverrides,
  signalOrOptions?: AbortSignal | DiscoverOptions,
): Promise<DiscoveredEndpoints> {
  const options: DiscoverOptions = signalOrOptions instanceof AbortSignal ? { signal: signalOrOptions } : (signalOrOptions ?? {});
  const overridden = new Map<ControlPlaneComponent, ChoiceOutcome>();
  for (const c of CONTROL_PLANE_COMPONENTS) {
    const value = overrides[c];
    if (value !== undefined) overridden.set(c, overrideEndpoint(c, value));
  }
  const badOverrides = problemsOf([...overridden.values()]);
  if (badOverrides.length > 0) {
    throw new MeshdError('MESHD_ERR_INVALID_CONFIG', badOverrides.join('; '));
  }
  const outcomes = await Promise.all(CONTROL_PLANE_COMPONENTS.map(async (c) => overridden.get(c) ?? (await lookUp(cp, c, options))));
  const problems = problemsOf(outcomes);
  if (problems.length > 0) {
    throw new MeshdError('MESHD_ERR_DISCOVERY', `control plane ${cp.name}: ${problems.join('; ')}`);
  }
  const choices = outcomes.map((o) => (o as { choice: EndpointChoice }).choice);
  const [pilot, policy, statsd] = choices as [EndpointChoice, EndpointChoice, EndpointChoice];
  return { pilot, policy, statsd };
}
