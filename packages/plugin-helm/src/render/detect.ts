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

const VERSION_PATTERN = /(?:^|\s)v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(?:\+\S*)?(?:\s|$)/;

/**
 * The version in `helm version --short` output: Helm 3 prints `v3.19.5+gabc1234`, Helm 2 prints
 * `Client: v2.17.0+ga690bad` (and a Server line when it reaches Tiller). Pure. Throws a terminal
 * MeshdError MESHD_ERR_HELM for unreadable output or a major version other than 2 or 3.
 */
export function parseHelmVersion(output: string): HelmVersion {
  const line = output.split('\n').find((l) => !/^\s*Server:/.test(l) && VERSION_PATTERN.test(l));
  const match = line === undefined ? null : VERSION_PATTERN.exec(line);
  if (match === null) {
    throw new MeshdError('MESHD_ERR_HELM', `cannot read a version in helm's output ${JSON.stringify(output.trim().slice(0, 200))}`, { terminal: true });
  }
  const major = Number(match[1]);
  const version = `v${match[1]}.${match[2]}.${match[3]}${match[4] ?? ''}`;
  if (major !== 2 && major !== 3) {
    throw new MeshdError('MESHD_ERR_HELM', `helm ${version} is not supported: meshd drives Helm 2 and Helm 3`, { terminal: true });
  }
  return { major, version };
}

/**
 * True when `version` (e.g. `v2.17.0`) is at least `minimum` (default 2.7.2, the oldest Helm the
 * Istio 0.8 guide supports). A prerelease counts as its release. Pure.
 */
export function helmVersionAtLeast(version: string, minimum = '2.7.2'): boolean {
  const parts = (v: string): number[] => v.replace(/^v/, '').split(/[-+]/)[0]!.split('.').map(Number);
  const [have, want] = [parts(version), parts(minimum)];
  for (let i = 0; i < 3; i += 1) {
    const diff = (have[i] ?? 0) - (want[i] ?? 0);
    if (diff !== 0) return diff > 0;
  }
  return true;
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
