import type { ClusterClient } from '../cluster/client.js';
import type { PlannedChange } from '../plugin/types.js';

/** Pod-template annotation meshd sets to roll Pilot when the registry ConfigMap changes. */
export const REGISTRY_HASH_ANNOTATION = 'meshd.io/registry-hash';

/**
 * The guide's Pilot reads the `multicluster` ConfigMap once, at start: with `registry.restartPilot`,
 * a changed registry rolls the istio-pilot Deployment, as `kubectl rollout restart` does, by setting
 * one pod-template annotation to the registry's content hash (so the same registry never restarts
 * Pilot twice). Only that annotation is written; meshd does not take the Deployment over.
 */
export function pilotRestartChange(namespace: string, registryHash: string): PlannedChange {
  return { op: 'update', kind: 'Deployment', namespace, name: 'istio-pilot', detail: [`rollout restart: the registry changed (${registryHash.slice(0, 12)})`] };
}

/** Sets the annotation with a JSON merge patch (one write request). */
export async function restartPilot(cp: ClusterClient, namespace: string, registryHash: string): Promise<number> {
  const patch = { spec: { template: { metadata: { annotations: { [REGISTRY_HASH_ANNOTATION]: registryHash } } } } };
  const spec = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istio-pilot', namespace }, ...patch };
  await cp.objects.patch(spec, { contentType: 'application/merge-patch+json' });
  return 1;
}
