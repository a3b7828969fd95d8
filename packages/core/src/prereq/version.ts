/** A version's numeric core. Suffixes (`-gke.1`, `+k3s1`, `+g<commit>`) are not compared. */
export interface VersionTriple {
  major: number;
  minor: number;
  patch: number;
}

/** Oldest Kubernetes the Istio 0.8 multicluster guide supports. */
export const MIN_KUBERNETES: VersionTriple = { major: 1, minor: 7, patch: 3 };
/** Oldest Helm the Istio 0.8 multicluster guide supports. */
export const MIN_HELM: VersionTriple = { major: 2, minor: 7, patch: 2 };

const KUBE_GIT_VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+]\S*)?$/;
const SEMVER_IN_TEXT = /(?:^|[^0-9A-Za-z.])v?(\d+)\.(\d+)\.(\d+)(?![0-9.])(-[0-9A-Za-z.-]+)?/;

function triple(m: RegExpMatchArray): VersionTriple {
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/**
 * Parses a Kubernetes gitVersion as /version reports it: `v1.34.4`, `v1.7.3-gke.1`, `v1.28.3+k3s1`.
 * Undefined for anything else (`1.7`, `v1.x.3`, empty). Pure.
 */
export function parseKubernetesVersion(gitVersion: string): VersionTriple | undefined {
  const m = KUBE_GIT_VERSION.exec(gitVersion.trim());
  return m ? triple(m) : undefined;
}

/** A helm client's version: the numeric core and, for a prerelease (`v3.20.0-rc.1`), its suffix. */
export interface HelmClientVersion extends VersionTriple {
  /** `-rc.1`; absent for a release. Not compared (a prerelease counts as its release). */
  prerelease?: string;
}

/**
 * Parses `helm version` output of Helm 2 or 3, short or long: `v3.19.5+g1a2b3c4`,
 * `Client: v2.17.0+ga690bad`, `Client: &version.Version{SemVer:"v2.17.0", ...}`,
 * `version.BuildInfo{Version:"v3.19.5", ...}`. With a `Client:` line, the client's version counts
 * (a `Server:` line is Tiller's). Undefined when no x.y.z is found. The one helm version parser
 * (the helm package's detectHelm uses it too). Pure.
 */
export function parseHelmClientVersion(output: string): HelmClientVersion | undefined {
  const clientAt = output.indexOf('Client:');
  const text = clientAt >= 0 ? output.slice(clientAt + 'Client:'.length) : output;
  const line = text.trimStart().split('\n')[0] ?? '';
  const m = SEMVER_IN_TEXT.exec(line);
  if (!m) return undefined;
  return m[4] === undefined ? triple(m) : { ...triple(m), prerelease: m[4] };
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. Pure. */
export function compareVersionTriples(a: VersionTriple, b: VersionTriple): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** `1.7.3`, for messages. */
export function formatVersionTriple(v: VersionTriple): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}
