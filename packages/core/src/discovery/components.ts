/** Namespace of the Istio control plane on the control-plane cluster. */
export const ISTIO_NAMESPACE = 'istio-system';

/** The control-plane components whose pod IPs the istio-remote chart needs. */
export type ControlPlaneComponent = 'pilot' | 'policy' | 'statsd';

/** Every component, in the order meshd looks them up and reports them. */
export const CONTROL_PLANE_COMPONENTS: readonly ControlPlaneComponent[] = ['pilot', 'policy', 'statsd'];

/**
 * Label selector of each component's pods in istio-system. Policy selects the Mixer policy pods
 * only: `istio=mixer` alone would also match the telemetry pods, which remotes must not use.
 */
export const COMPONENT_SELECTORS: Readonly<Record<ControlPlaneComponent, string>> = {
  pilot: 'istio=pilot',
  policy: 'istio=mixer,istio-mixer-type=policy',
  statsd: 'istio=statsd-prom-bridge',
};

/** Where one component's endpoint came from: a chosen pod, or a static override from config. */
export interface EndpointChoice {
  /** Literal IP address (an Endpoints address must be one). */
  ip: string;
  source: 'pod' | 'override';
  /** Name of the chosen pod when source is 'pod'. */
  pod?: string;
}

/** The endpoint of every component, as the remotes' istio-remote release needs them. */
export type DiscoveredEndpoints = Record<ControlPlaneComponent, EndpointChoice>;

/** Static endpoints from config (`endpoints:`), e.g. an internal load balancer's IP; each one wins. */
export type EndpointOverrides = Partial<Record<ControlPlaneComponent, string>>;
