import { describe, expect, it } from 'vitest';
import { componentSpecs, pilotDiscoveryArgs } from './components.js';
import { deploymentObject, podObject } from './objects.js';

describe('stand-in Istio components', () => {
  it('labels pods as Istio 0.8 did', () => {
    const specs = componentSpecs(true);
    expect(specs.pilot.labels).toEqual({ istio: 'pilot' });
    expect(specs.policy.labels).toEqual({ istio: 'mixer', 'istio-mixer-type': 'policy' });
    expect(specs.telemetry.labels).toEqual({ istio: 'mixer', 'istio-mixer-type': 'telemetry' });
    expect(specs['statsd-prom-bridge'].labels).toEqual({ istio: 'statsd-prom-bridge' });
    expect(specs.citadel.labels).toEqual({ istio: 'citadel' });
  });

  it('names the cluster registry in the discovery args only with multicluster on', () => {
    expect(pilotDiscoveryArgs(true)).toContain('--clusterRegistriesConfigMap');
    expect(pilotDiscoveryArgs(false)).not.toContain('--clusterRegistriesConfigMap');
  });

  it('keeps stand-in pods out of the Deployment ReplicaSet (no pod-template-hash, replicas 0)', () => {
    const spec = componentSpecs(true).pilot;
    const deployment = deploymentObject(spec);
    expect(deployment.spec?.replicas).toBe(0);
    expect(podObject(spec, 'istio-pilot-x', 'node').metadata?.labels).not.toHaveProperty('pod-template-hash');
  });
});
