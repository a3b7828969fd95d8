import type { V1Pod } from '@kubernetes/client-node';
import { CONTROL_PLANE_COMPONENTS } from './components.js';
import type { ControlPlaneComponent, DiscoveredEndpoints, EndpointChoice, EndpointOverrides } from './components.js';
import { chooseEndpoint, overrideEndpoint } from './endpoint-choice.js';
import type { ChoiceOutcome } from './endpoint-choice.js';
import { asIfReady } from './pod-readiness.js';

/** A move discovery would make next: the pod chosen for `component` stops serving and `to` takes over. */
export interface NextMove {
  component: ControlPlaneComponent;
  /** The pod chosen now. */
  from: EndpointChoice;
  /** The pod chosen once `from` stops serving. */
  to: EndpointChoice;
  /** Every component's endpoint after the move: `to` for the component, the others as chosen now. */
  endpoints: DiscoveredEndpoints;
  /**
   * False: `to` serves now (Running and Ready), so the move is what discovery chooses as soon as
   * `from` goes. True: `to` has its IP but is not Ready yet (a rolling update's new pod while its
   * containers start and its readiness probe has not passed): the move if it turns Ready first.
   */
  prospective: boolean;
}

/** Each component's pods, as discovery reads them (one label selector each). */
export type PodsByComponent = Readonly<Record<ControlPlaneComponent, readonly V1Pod[]>>;

function currentChoices(pods: PodsByComponent, overrides: EndpointOverrides, chosen?: Partial<DiscoveredEndpoints>): DiscoveredEndpoints | undefined {
  const outcomes: ChoiceOutcome[] = CONTROL_PLANE_COMPONENTS.map((c) => {
    const override = overrides[c];
    const kept = chosen?.[c];
    return override === undefined ? chooseEndpoint(c, pods[c], kept?.source === 'pod' ? kept.pod : undefined) : overrideEndpoint(c, override);
  });
  const choices = outcomes.flatMap((o) => (o.ok ? [o.choice] : []));
  if (choices.length !== CONTROL_PLANE_COMPONENTS.length) return undefined;
  const [pilot, policy, statsd] = choices as [EndpointChoice, EndpointChoice, EndpointChoice];
  return { pilot, policy, statsd };
}

/** The move of one component to the pod choosePod picks from `candidates` (the others than the chosen one), if at another IP. */
function moveTo(component: ControlPlaneComponent, candidates: readonly V1Pod[], now: DiscoveredEndpoints, prospective: boolean): NextMove[] {
  const next = chooseEndpoint(component, candidates);
  if (!next.ok || next.choice.ip === now[component].ip) return [];
  return [{ component, from: now[component], to: next.choice, endpoints: { ...now, [component]: next.choice }, prospective }];
}

/**
 * The moves of one component whose chosen pod has a successor at another IP: the one over the pods
 * serving now, then (when it differs) the one over the pods that will serve once Ready.
 */
function movesOf(component: ControlPlaneComponent, pods: PodsByComponent, now: DiscoveredEndpoints): NextMove[] {
  const from = now[component];
  if (from.source !== 'pod') return [];
  const others = pods[component].filter((p) => p.metadata?.name !== from.pod);
  const serving = moveTo(component, others, now, false);
  const coming = moveTo(component, others.map(asIfReady), now, true).filter((m) => m.to.ip !== serving[0]?.to.ip);
  return [...serving, ...coming];
}

/**
 * The moves discovery would make next for each component whose chosen pod has a successor (a second
 * replica, or the new pod of a rolling update while the old one still serves): what a pass would
 * choose if that pod stopped serving (choosePod over the component's other pods), the other
 * components staying as chosen now. Chosen as the daemon's passes choose: the pod chosen last
 * (`chosen`, the last pass's discovery) while it serves, else the oldest eligible pod. Per component, first the move over the pods serving now (`prospective`
 * false), then, when it goes elsewhere, the move over the pods as they will be once Ready: a pod has
 * its IP from the moment its sandbox runs, before its containers start and its readiness probe
 * passes, so the move a rollout will make is known that early (`prospective` true). A component with
 * an override never moves; a successor at the same IP is no move. Empty when some component has no
 * choice now (a pass would fail discovery). Pure.
 */
export function nextMoves(pods: PodsByComponent, overrides: EndpointOverrides, chosen?: Partial<DiscoveredEndpoints>): NextMove[] {
  const now = currentChoices(pods, overrides, chosen);
  return now === undefined ? [] : CONTROL_PLANE_COMPONENTS.flatMap((c) => movesOf(c, pods, now));
}
