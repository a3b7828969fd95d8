import { MeshdError } from '../errors.js';
import { clusterRanges, checkCidrOverlaps } from './check-cidrs.js';
import { checkHelmVersion, checkKubernetesVersion } from './check-versions.js';
import type { HelmProbe } from './check-versions.js';
import type { ClusterFacts } from './facts.js';
import { warningFor } from './findings.js';
import type { ClusterFinding, PrerequisiteFinding } from './findings.js';
import type { PilotMulticluster } from './pilot-flags.js';

/** One reachable cluster to check. Unreachable clusters are left out (the caller reports them). */
export interface ClusterToCheck {
  name: string;
  facts: ClusterFacts;
  /** The helm clients the plugins serving it run (their `needs: ['helm']`); none: it is not judged on helm. */
  helmBinaries?: readonly string[];
}

/** Everything checkPrerequisites judges; gathered by gatherClusterFacts, pilotMulticlusterFlags and the helm plugin. */
export interface PrerequisiteInput {
  /** Name of the control-plane cluster (it may or may not be among `clusters`). */
  controlPlane: string;
  clusters: readonly ClusterToCheck[];
  /** Pilot's multicluster flags; undefined when they could not be read (no Pilot check then). */
  pilot?: PilotMulticluster;
  /** `helm version` output or failure per helm client probed; a client without an entry was not probed (no helm check then). */
  helm?: Readonly<Record<string, HelmProbe>>;
  /** Clusters already joined: in an overlap with a newcomer, only the newcomer is blocked. */
  joined?: ReadonlySet<string>;
}

/** The verdict: findings per checked cluster (every input cluster has an entry) and who must not be joined. */
export interface PrerequisiteReport {
  findings: Record<string, PrerequisiteFinding[]>;
  /** Clusters with at least one error: the caller does not join (or update) them this pass. */
  blocked: ReadonlySet<string>;
}

function pilotFindings(controlPlane: string, pilot: PilotMulticluster): ClusterFinding[] {
  if (pilot.found !== 'deployment') {
    const what = pilot.found === 'no-deployment' ? 'no Deployment istio-system/istio-pilot' : 'istio-system/istio-pilot has no container named discovery';
    return [warningFor(controlPlane, 'PILOT_NOT_FOUND', `cluster ${controlPlane}: ${what}; cannot check that Pilot is configured for multicluster`)];
  }
  if (pilot.enabled) return [];
  return [
    warningFor(
      controlPlane,
      'PILOT_NOT_MULTICLUSTER',
      `cluster ${controlPlane}: Pilot's discovery container has neither --clusterRegistriesConfigMap nor --clusterRegistriesDir, so it will not read the cluster registry (install Istio with global.multicluster.enabled=true)`,
    ),
  ];
}

function helmFindings(clusters: readonly ClusterToCheck[], controlPlane: string, helm: Readonly<Record<string, HelmProbe>> | undefined): ClusterFinding[] {
  if (!helm) return [];
  const judged = (binary: string): HelmProbe | undefined => (Object.hasOwn(helm, binary) ? helm[binary] : undefined);
  return clusters
    .filter((c) => c.name !== controlPlane)
    .flatMap((c) =>
      [...new Set(c.helmBinaries ?? [])].flatMap((binary) => {
        const probe = judged(binary);
        return probe ? checkHelmVersion(c.name, probe) : [];
      }),
    );
}

/**
 * Judges the Istio 0.8 multicluster prerequisites (pure, deterministic: input order does not
 * matter). Kubernetes ≥ 1.7.3 everywhere; no overlapping pod/service CIDRs across clusters; Pilot
 * configured for multicluster (warning); helm ≥ 2.7.2 for every remote a plugin that needs helm serves.
 * Owns no state; the caller decides what to do with `blocked` and shows the findings in status.
 */
export function checkPrerequisites(input: PrerequisiteInput): PrerequisiteReport {
  const clusters = [...input.clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const ranged = clusters.map((c) => ({ name: c.name, ...clusterRanges(c.name, c.facts) }));
  const all: ClusterFinding[] = [
    ...clusters.flatMap((c) => checkKubernetesVersion(c.name, c.facts)),
    ...ranged.flatMap((c) => c.findings),
    ...checkCidrOverlaps(ranged, { controlPlane: input.controlPlane, joined: input.joined ?? new Set() }),
    ...(input.pilot ? pilotFindings(input.controlPlane, input.pilot) : []),
    ...helmFindings(clusters, input.controlPlane, input.helm),
  ];
  const findings: Record<string, PrerequisiteFinding[]> = Object.fromEntries(clusters.map((c) => [c.name, []]));
  for (const { cluster, ...finding } of all) (findings[cluster] ??= []).push(finding);
  const blocked = new Set(all.filter((f) => f.severity === 'error').map((f) => f.cluster));
  return { findings, blocked };
}

/**
 * The MESHD_ERR_PREREQUISITE error for a blocked cluster (its error messages joined), or undefined
 * when it is not blocked. Not terminal: a cluster upgrade or a new helm fixes it without an input change.
 */
export function prerequisiteError(report: PrerequisiteReport, cluster: string): MeshdError | undefined {
  if (!report.blocked.has(cluster)) return undefined;
  const errors = (report.findings[cluster] ?? []).filter((f) => f.severity === 'error').map((f) => f.message);
  return new MeshdError('MESHD_ERR_PREREQUISITE', errors.join('; '));
}
