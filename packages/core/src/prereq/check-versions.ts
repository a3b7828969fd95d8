import type { ClusterFacts } from './facts.js';
import { errorFor, warningFor } from './findings.js';
import type { ClusterFinding } from './findings.js';
import { MIN_HELM, MIN_KUBERNETES, compareVersionTriples, formatVersionTriple, parseHelmClientVersion, parseKubernetesVersion } from './version.js';

/** `helm version` output, or why helm could not be run. */
export type HelmProbe = { output: string } | { failure: string };

function majorMinorVerdict(facts: ClusterFacts): number | undefined {
  const major = /^(\d+)\+?$/.exec(facts.major.trim());
  const minor = /^(\d+)\+?$/.exec(facts.minor.trim());
  if (!major || !minor) return undefined;
  const byMinor = Number(major[1]) - MIN_KUBERNETES.major || Number(minor[1]) - MIN_KUBERNETES.minor;
  return byMinor === 0 ? undefined : byMinor;
}

/**
 * Kubernetes ≥ 1.7.3 (pure). The gitVersion decides; when it cannot be parsed, major/minor decide
 * if they can (1.6 fails, 1.8 passes, 1.7 is a warning: the patch is unknown).
 */
export function checkKubernetesVersion(cluster: string, facts: ClusterFacts): ClusterFinding[] {
  const min = formatVersionTriple(MIN_KUBERNETES);
  const parsed = parseKubernetesVersion(facts.gitVersion);
  const verdict = parsed ? compareVersionTriples(parsed, MIN_KUBERNETES) : majorMinorVerdict(facts);
  if (verdict === undefined) {
    const what = `gitVersion "${facts.gitVersion}", major "${facts.major}", minor "${facts.minor}"`;
    return [warningFor(cluster, 'KUBERNETES_VERSION_UNKNOWN', `cluster ${cluster}: cannot tell whether Kubernetes is ${min} or newer (${what})`)];
  }
  if (verdict >= 0) return [];
  return [
    errorFor(
      cluster,
      'KUBERNETES_TOO_OLD',
      `cluster ${cluster}: Kubernetes ${facts.gitVersion} is older than ${min}, the oldest Istio 0.8 multicluster supports`,
    ),
  ];
}

/**
 * Helm ≥ 2.7.2 for a remote that a helm backend installs (pure). Helm that cannot run, or is too
 * old, is an error; output without a recognisable version is a warning.
 */
export function checkHelmVersion(cluster: string, helm: HelmProbe): ClusterFinding[] {
  const min = formatVersionTriple(MIN_HELM);
  if ('failure' in helm) {
    return [errorFor(cluster, 'HELM_UNAVAILABLE', `cluster ${cluster}: the helm binary could not be run: ${helm.failure}`)];
  }
  const parsed = parseHelmClientVersion(helm.output);
  const shown = helm.output.trim().split('\n')[0] ?? '';
  if (!parsed) {
    return [warningFor(cluster, 'HELM_VERSION_UNKNOWN', `cluster ${cluster}: cannot tell whether helm is ${min} or newer from "${shown}"`)];
  }
  if (compareVersionTriples(parsed, MIN_HELM) >= 0) return [];
  return [errorFor(cluster, 'HELM_TOO_OLD', `cluster ${cluster}: helm ${formatVersionTriple(parsed)} is older than ${min}, which the helm backends need`)];
}
