import type { V1Pod } from '@kubernetes/client-node';
import { CONTROL_PLANE_COMPONENTS } from './components.js';
import type { ControlPlaneComponent, DiscoveredEndpoints, EndpointChoice, EndpointOverrides } from './components.js';
import { chooseEndpoint, overrideEndpoint } from './endpoint-choice.js';
import type { ChoiceOutcome } from './endpoint-choice.js';

/** A move discovery would make next: the pod chosen for `component` stops serving and `to` takes over. */
export interface NextMove {
  component: ControlPlaneComponent;
  /** The pod chosen now. */
  from: EndpointChoice;
  /** The pod chosen once `from` stops serving. */
  to: EndpointChoice;
  /** Every component's endpoint after the move: `to` for the component, the others as chosen now. */
  endpoints: DiscoveredEndpoints;
}

/** Each component's pods, as discovery reads them (one label selector each). */
export type PodsByComponent = Readonly<Record<ControlPlaneComponent, readonly V1Pod[]>>;

function currentChoices(pods: PodsByComponent, overrides: EndpointOverrides): DiscoveredEndpoints | undefined {
  const outcomes: ChoiceOutcome[] = CONTROL_PLANE_COMPONENTS.map((c) => {
    const override = overrides[c];
    return override === undefined ? chooseEndpoint(c, pods[c]) : overrideEndpoint(c, override);
  });
  const choices = outcomes.flatMap((o) => (o.ok ? [o.choice] : []));
  if (choices.length !== CONTROL_PLANE_COMPONENTS.length) return undefined;
  const [pilot, policy, statsd] = choices as [EndpointChoice, EndpointChoice, EndpointChoice];
  return { pilot, policy, statsd };
}

/** The move of one component, when its chosen pod has an eligible successor at another IP. */
function moveOf(component: ControlPlaneComponent, pods: PodsByComponent, now: DiscoveredEndpoints): NextMove[] {
  const from = now[component];
  if (from.source !== 'pod') return [];
  const next = chooseEndpoint(
    component,
    pods[component].filter((p) => p.metadata?.name !== from.pod),
  );
  if (!next.ok || next.choice.ip === from.ip) return [];
  return [{ component, from, to: next.choice, endpoints: { ...now, [component]: next.choice } }];
}

/**
 * The moves discovery would make next, one per component whose chosen pod has an eligible successor
 * (a second replica, or the new pod of a rolling update while the old one still serves): what a pass
 * would choose if that pod stopped serving (choosePod over the component's other pods), the other
 * components staying as chosen now. Chosen as the daemon's passes choose (no previous choice kept: the
 * oldest eligible pod). A component with an override never moves; a successor at the same IP is no
 * move. Empty when some component has no choice now (a pass would fail discovery). Pure.
 */
export function nextMoves(pods: PodsByComponent, overrides: EndpointOverrides): NextMove[] {
  const now = currentChoices(pods, overrides);
  return now === undefined ? [] : CONTROL_PLANE_COMPONENTS.flatMap((c) => moveOf(c, pods, now));
}
