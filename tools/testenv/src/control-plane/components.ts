/** The Istio 0.8 control-plane components the stand-in runs, keyed by a short name. */
export type IstioComponent = 'pilot' | 'policy' | 'telemetry' | 'statsd-prom-bridge' | 'citadel';

/** What a component looks like in istio-system (names and labels as Istio 0.8's chart had them). */
export interface ComponentSpec {
  deployment: string;
  labels: Record<string, string>;
  serviceAccount: string;
  containers: { name: string; image: string; args?: string[] }[];
}

/** Namespace of the Istio control plane. */
export const ISTIO_NAMESPACE = 'istio-system';

/** Pilot's discovery args; with multicluster on they name the cluster registry, as 0.8 did. */
export function pilotDiscoveryArgs(multicluster: boolean): string[] {
  const base = ['discovery', '-v', '2', '--admission-service', 'istio-pilot'];
  if (!multicluster) return base;
  return [...base, '--clusterRegistriesConfigMap', 'clusterregistry', '--clusterRegistriesNamespace', ISTIO_NAMESPACE];
}

const proxy = { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:0.8.0', args: ['proxy'] };
const mixer = (type: string): ComponentSpec => ({
  deployment: `istio-${type}`,
  labels: { istio: 'mixer', 'istio-mixer-type': type },
  serviceAccount: 'istio-mixer-service-account',
  containers: [{ name: 'mixer', image: 'docker.io/istio/mixer:0.8.0', args: ['--address', 'unix:///sock/mixer.socket'] }, proxy],
});

/** Every component's spec; Pilot's args depend on the multicluster setting. */
export function componentSpecs(multicluster: boolean): Record<IstioComponent, ComponentSpec> {
  return {
    pilot: {
      deployment: 'istio-pilot',
      labels: { istio: 'pilot' },
      serviceAccount: 'istio-pilot-service-account',
      containers: [{ name: 'discovery', image: 'docker.io/istio/pilot:0.8.0', args: pilotDiscoveryArgs(multicluster) }, proxy],
    },
    policy: mixer('policy'),
    telemetry: mixer('telemetry'),
    'statsd-prom-bridge': {
      deployment: 'istio-statsd-prom-bridge',
      labels: { istio: 'statsd-prom-bridge' },
      serviceAccount: 'istio-mixer-service-account',
      containers: [{ name: 'statsd-prom-bridge', image: 'prom/statsd-exporter:v0.6.0', args: ['-statsd.mapping-config=/etc/statsd/mapping.conf'] }],
    },
    citadel: {
      deployment: 'istio-citadel',
      labels: { istio: 'citadel' },
      serviceAccount: 'istio-citadel-service-account',
      containers: [{ name: 'citadel', image: 'docker.io/istio/citadel:0.8.0', args: ['--append-dns-names=true', '--self-signed-ca=true'] }],
    },
  };
}

/** All component keys in a stable order. */
export const ISTIO_COMPONENTS: readonly IstioComponent[] = ['pilot', 'policy', 'telemetry', 'statsd-prom-bridge', 'citadel'];
