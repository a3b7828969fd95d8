import type { V1Deployment } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/client.js';
import { isNotFound } from '../cluster/client.js';
import { ISTIO_NAMESPACE } from '../discovery/components.js';
import { abortableCall } from '../discovery/request-options.js';

/** Pilot's Deployment and the container whose args `global.multicluster.enabled` changes. */
export const PILOT_DEPLOYMENT = 'istio-pilot';
export const PILOT_DISCOVERY_CONTAINER = 'discovery';
/** The flags that make Pilot read a cluster registry (either one means multicluster is on). */
export const MULTICLUSTER_FLAGS = ['--clusterRegistriesConfigMap', '--clusterRegistriesDir'] as const;

/** Whether Pilot on the control plane is configured for multicluster, and the evidence. */
export interface PilotMulticluster {
  /** What was found: the Deployment with its `discovery` container, or what is missing. */
  found: 'deployment' | 'no-deployment' | 'no-discovery-container';
  /** True when a multicluster flag is among the discovery container's command or args. */
  enabled: boolean;
  /** The multicluster arguments as found, e.g. `--clusterRegistriesConfigMap=multicluster`. */
  flags: string[];
}

function isMulticlusterArg(arg: string): boolean {
  const normalized = arg.startsWith('--') ? arg : arg.startsWith('-') ? `-${arg}` : arg;
  return MULTICLUSTER_FLAGS.some((f) => normalized === f || normalized.startsWith(`${f}=`));
}

/**
 * Reads the multicluster flags from Pilot's Deployment (pure). Both `--flag=value` and `--flag value`
 * forms count, and Go's single-dash spelling too; the value that follows a bare flag is kept in
 * `flags` so status can show which registry Pilot reads.
 */
export function multiclusterFlagsOf(deployment: V1Deployment | undefined): PilotMulticluster {
  if (!deployment) return { found: 'no-deployment', enabled: false, flags: [] };
  const containers = deployment.spec?.template.spec?.containers ?? [];
  const discovery = containers.find((c) => c.name === PILOT_DISCOVERY_CONTAINER);
  if (!discovery) return { found: 'no-discovery-container', enabled: false, flags: [] };
  const argv = [...(discovery.command ?? []), ...(discovery.args ?? [])];
  const flags = argv.flatMap((arg, i) => {
    if (!isMulticlusterArg(arg)) return [];
    const next = argv[i + 1];
    return !arg.includes('=') && next !== undefined && !next.startsWith('-') ? [`${arg} ${next}`] : [arg];
  });
  return { found: 'deployment', enabled: flags.length > 0, flags };
}

/** Reads istio-system/istio-pilot from the control plane (I/O) and applies multiclusterFlagsOf. */
export async function pilotMulticlusterFlags(cp: ClusterClient, signal?: AbortSignal): Promise<PilotMulticluster> {
  try {
    const deployment = await cp.apps.readNamespacedDeployment({ name: PILOT_DEPLOYMENT, namespace: ISTIO_NAMESPACE }, abortableCall(signal));
    return multiclusterFlagsOf(deployment);
  } catch (err) {
    if (isNotFound(err)) return multiclusterFlagsOf(undefined);
    throw err;
  }
}
