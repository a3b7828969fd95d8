import type { TillerLocation } from './location.js';

/** How a helm command reaches Tiller: the private HELM_HOME plus either `--host` or a kube context. */
export interface ConnectionTarget {
  home: string;
  location: TillerLocation;
  /** Temp kubeconfig file and its context: needed for port-forward (no host) and for `helm init`. */
  kubeconfig?: string;
  kubeContext?: string;
  connectTimeoutMs: number;
}

const seconds = (ms: number): string => String(Math.max(1, Math.ceil(ms / 1000)));

function kubeArgs(c: ConnectionTarget): string[] {
  if (c.kubeconfig === undefined || c.kubeContext === undefined) throw new Error('a kubeconfig and context are needed without a Tiller host');
  return ['--kubeconfig', c.kubeconfig, '--kube-context', c.kubeContext];
}

/**
 * Global flags of a Tiller command. Pure. With a host, helm dials it (`--host`); otherwise helm
 * finds the Tiller pod in `--tiller-namespace` and port-forwards through the API server.
 */
export function connectionArgs(c: ConnectionTarget): string[] {
  const common = ['--home', c.home, '--tiller-namespace', c.location.namespace, '--tiller-connection-timeout', seconds(c.connectTimeoutMs)];
  return c.location.host !== undefined ? [...common, '--host', c.location.host] : [...common, ...kubeArgs(c)];
}

/** `helm history` of a release as JSON (oldest first, at most 256 revisions). */
export function historyArgs(release: string): string[] {
  return ['history', release, '--max', '256', '--output', 'json'];
}

/** The values given to one revision of a release (default: the latest), not the chart defaults, as JSON. */
export function getValuesArgs(release: string, revision?: number): string[] {
  const which = revision === undefined ? [] : ['--revision', String(revision)];
  return ['get', 'values', release, ...which, '--output', 'json'];
}

/** What install and upgrade take. */
export interface ReleaseTarget {
  release: string;
  namespace: string;
  chartDir: string;
  valuesFile: string;
  timeoutMs: number;
}

/** `helm install`; `replace` re-uses the name of a DELETED or FAILED release. No --wait: meshd does not wait for pods. */
export function installArgs(t: ReleaseTarget, replace: boolean): string[] {
  const args = ['install', t.chartDir, '--name', t.release, '--namespace', t.namespace, '--values', t.valuesFile, '--timeout', seconds(t.timeoutMs)];
  return replace ? [...args, '--replace'] : args;
}

/** `helm upgrade` with exactly the given values (`--reset-values`: nothing carried over from the last revision). */
export function upgradeArgs(t: ReleaseTarget): string[] {
  return ['upgrade', t.release, t.chartDir, '--values', t.valuesFile, '--reset-values', '--timeout', seconds(t.timeoutMs)];
}

/** `helm rollback` to a revision. */
export function rollbackArgs(release: string, revision: number, timeoutMs: number): string[] {
  return ['rollback', release, String(revision), '--timeout', seconds(timeoutMs)];
}

/** `helm delete --purge`: the objects and every revision record. */
export function purgeArgs(release: string, timeoutMs: number): string[] {
  return ['delete', release, '--purge', '--timeout', seconds(timeoutMs)];
}

/** `helm init --client-only --skip-repos`: prepares a private HELM_HOME, touches no cluster. */
export function homeInitArgs(home: string): string[] {
  return ['init', '--client-only', '--skip-repos', '--home', home];
}

/**
 * `helm init --service-account tiller`: deploys Tiller (Deployment and Service `tiller-deploy`) into
 * the Tiller namespace and waits, up to the connection timeout, until it answers.
 */
export function tillerInstallArgs(c: ConnectionTarget, serviceAccount: string): string[] {
  const common = ['--home', c.home, '--tiller-namespace', c.location.namespace, '--tiller-connection-timeout', seconds(c.connectTimeoutMs)];
  return ['init', '--service-account', serviceAccount, '--skip-repos', '--wait', ...common, ...kubeArgs(c)];
}
