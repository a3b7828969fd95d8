import { MIN_HELM, compareVersionTriples, formatVersionTriple, parseHelmClientVersion } from '@meshd/core/prereq';
import { MeshdError } from '@meshd/core';
import { helmExitCode, runHelm, type RunHelmOptions } from './exec.js';

/** Helm major versions whose `helm template` syntax meshd knows. */
export type HelmMajor = 2 | 3;

/** What detectHelm found: the major version (argument syntax) and the version, e.g. `v3.19.5`. */
export interface HelmVersion {
  major: HelmMajor;
  /** `vMAJOR.MINOR.PATCH[-prerelease]`, without build metadata (`+g<commit>`). */
  version: string;
}

/**
 * The version in `helm version --short` output: Helm 3 prints `v3.19.5+gabc1234`, Helm 2 prints
 * `Client: v2.17.0+ga690bad` (and a Server line when it reaches Tiller). Read with core's one helm
 * version parser (parseHelmClientVersion). Pure. Throws MeshdError MESHD_ERR_HELM_UNUSABLE (terminal) for
 * unreadable output or a major version other than 2 or 3.
 */
export function parseHelmVersion(output: string): HelmVersion {
  const parsed = parseHelmClientVersion(output);
  if (parsed === undefined) {
    throw new MeshdError('MESHD_ERR_HELM_UNUSABLE', `cannot read a version in helm's output ${JSON.stringify(output.trim().slice(0, 200))}`);
  }
  const version = `v${formatVersionTriple(parsed)}${parsed.prerelease ?? ''}`;
  if (parsed.major !== 2 && parsed.major !== 3) {
    throw new MeshdError('MESHD_ERR_HELM_UNUSABLE', `helm ${version} is not supported: meshd drives Helm 2 and Helm 3`);
  }
  return { major: parsed.major, version };
}

/**
 * True when `version` (e.g. `v2.17.0`) is at least `minimum` (default MIN_HELM, 2.7.2, the oldest
 * Helm the Istio 0.8 guide supports). A prerelease counts as its release; an unreadable version is
 * not at least anything. Pure.
 */
export function helmVersionAtLeast(version: string, minimum = formatVersionTriple(MIN_HELM)): boolean {
  const [have, want] = [parseHelmClientVersion(version), parseHelmClientVersion(minimum)];
  return have !== undefined && want !== undefined && compareVersionTriples(have, want) >= 0;
}

/**
 * Runs `binary version --short --client` (client only: Helm 2 would otherwise dial Tiller), then
 * `binary version --short` if the first form is refused, and parses the answer. Throws MeshdError
 * MESHD_ERR_HELM (see runHelm and parseHelmVersion). The caller decides when to detect again.
 */
export async function detectHelm(binary: string, signal?: AbortSignal, options: Omit<RunHelmOptions, 'signal'> = {}): Promise<HelmVersion> {
  const run = (args: string[]): Promise<string> => runHelm(binary, args, { ...options, signal }).then((out) => out.stdout);
  let output: string;
  try {
    output = await run(['version', '--short', '--client']);
  } catch (err) {
    if (helmExitCode(err) === undefined) throw err;
    output = await run(['version', '--short']);
  }
  return parseHelmVersion(output);
}
