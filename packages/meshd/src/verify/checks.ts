import { checkCidrOverlaps, clusterRanges } from '@meshd/core/prereq';
import type { AddressRange, ClusterFacts, PilotMulticluster } from '@meshd/core/prereq';
import type { ErrorCode, MeshEndpoints } from '@meshd/core';

/** The checks `meshd verify` makes, in the order it prints them. */
export const CHECKS = ['directory', 'pilot-flags', 'cidrs', 'endpoints', 'credential', 'root-cert', 'istiod-sync'] as const;

/** One of CHECKS. */
export type CheckName = (typeof CHECKS)[number];

/** The verdict of one check on one cluster (or on the mesh when `cluster` is absent). */
export interface CheckResult {
  check: CheckName;
  cluster?: string;
  result: 'ok' | 'failed' | 'skipped';
  /** What was seen, and for a failure what it means and what to do. */
  detail: string;
  /** For failures: MESHD_ERR_VERIFY, or the code of the error that kept the check from being made. */
  code?: ErrorCode;
}

/** A passing result. */
export function ok(check: CheckName, cluster: string | undefined, detail: string): CheckResult {
  return cluster === undefined ? { check, result: 'ok', detail } : { check, cluster, result: 'ok', detail };
}

/** A failing result (code MESHD_ERR_VERIFY unless another is given). */
export function failed(check: CheckName, cluster: string | undefined, detail: string, code: ErrorCode = 'MESHD_ERR_VERIFY'): CheckResult {
  const result: CheckResult = { check, result: 'failed', detail, code };
  if (cluster !== undefined) result.cluster = cluster;
  return result;
}

/** The Endpoints the istio-remote release writes on each remote, per control-plane component. */
export const REMOTE_ENDPOINTS: Readonly<Record<keyof MeshEndpoints, string>> = {
  pilot: 'istio-pilot',
  policy: 'istio-policy',
  statsd: 'istio-statsd-prom-bridge',
};

/**
 * Every remote Endpoints holds exactly the live IP of its component (pure). `live` maps each
 * component to the addresses found, undefined when the Endpoints does not exist.
 */
export function judgeEndpoints(remote: string, expected: MeshEndpoints, live: Readonly<Record<keyof MeshEndpoints, string[] | undefined>>): CheckResult {
  const problems = (Object.keys(REMOTE_ENDPOINTS) as (keyof MeshEndpoints)[]).flatMap((component) => {
    const name = REMOTE_ENDPOINTS[component];
    const ips = live[component];
    if (ips === undefined) return [`Endpoints ${name} is missing (want ${expected[component]})`];
    if (ips.length === 1 && ips[0] === expected[component]) return [];
    return [`Endpoints ${name} holds ${ips.length === 0 ? 'no address' : ips.join(', ')}, the live ${component} is ${expected[component]}`];
  });
  if (problems.length === 0) return ok('endpoints', remote, `pilot ${expected.pilot}, policy ${expected.policy}, statsd ${expected.statsd}`);
  return failed('endpoints', remote, `${problems.join('; ')}: sidecars here reach a stale control plane (run meshd apply, or check the daemon)`);
}

/** What one namespace holds for the root-certificate comparison. */
export interface RootCertPair {
  namespace: string;
  /** root-cert.pem of the control plane's istio.default there (or istio-system's). */
  controlPlane?: string;
  /** root-cert.pem of the remote's copy; undefined when it has none. */
  remote?: string;
}

/** istio.default's root-cert.pem on the remote equals the control plane's in every namespace checked (pure). */
export function judgeRootCert(remote: string, pairs: readonly RootCertPair[]): CheckResult {
  if (pairs.length === 0)
    return failed('root-cert', remote, 'none of the configured namespaces (secrets.namespaces) exists here: no istio.default copy to compare');
  const problems = pairs.flatMap((p) => {
    if (p.controlPlane === undefined) return [`${p.namespace}: the control plane has no istio.default root-cert.pem to compare with`];
    if (p.remote === undefined) return [`${p.namespace}: no istio.default copy`];
    return p.remote.trim() === p.controlPlane.trim() ? [] : [`${p.namespace}: istio.default root-cert.pem differs from the control plane's`];
  });
  const names = pairs.map((p) => p.namespace).join(', ');
  if (problems.length === 0) return ok('root-cert', remote, `istio.default root certificate matches the control plane's in ${names}`);
  return failed('root-cert', remote, `${problems.join('; ')}: mTLS between clusters fails while the roots differ`);
}

/** Pilot's discovery container carries a multicluster flag (pure). */
export function judgePilotFlags(controlPlane: string, flags: PilotMulticluster): CheckResult {
  if (flags.enabled) return ok('pilot-flags', controlPlane, `Pilot runs with ${flags.flags.join(' ')}`);
  const why =
    flags.found === 'no-deployment'
      ? 'there is no istio-system/istio-pilot Deployment'
      : flags.found === 'no-discovery-container'
        ? 'istio-pilot has no discovery container'
        : 'the discovery container has neither --clusterRegistriesConfigMap nor --clusterRegistriesDir';
  return failed('pilot-flags', controlPlane, `${why}: Pilot ignores the registry (install Istio with global.multicluster.enabled=true)`);
}

/** Pod and service CIDRs do not overlap across clusters (pure; one result for the mesh). */
export function judgeCidrs(controlPlane: string, facts: ReadonlyArray<{ name: string; facts: ClusterFacts }>): CheckResult {
  const parsed = facts.map((f) => ({ name: f.name, ...clusterRanges(f.name, f.facts) }));
  const clusters = parsed.map((p): { name: string; ranges: AddressRange[] } => ({ name: p.name, ranges: p.ranges }));
  const overlaps = [...new Set(checkCidrOverlaps(clusters, { controlPlane, joined: new Set(facts.map((f) => f.name)) }).map((f) => f.message))];
  const unknown = parsed.flatMap((p) => p.findings.map((f) => f.message));
  const note = unknown.length === 0 ? '' : `; not checked: ${unknown.join('; ')}`;
  if (overlaps.length > 0) return failed('cidrs', undefined, `${overlaps.join('; ')}: traffic for those addresses goes to the wrong cluster${note}`);
  const ranges = clusters.map((c) => `${c.name} ${c.ranges.map((r) => r.cidr.text).join(' ') || '(unknown)'}`).join(', ');
  return ok('cidrs', undefined, `no overlap: ${ranges}${note}`);
}

/** One entry of istiod's /debug/clusterz. */
export interface ClusterzEntry {
  id: string;
  secretName?: string;
  syncStatus?: string;
}

/** istiod has every remote synced, per its /debug/clusterz (pure). */
export function judgeIstiod(remotes: readonly string[], entries: readonly ClusterzEntry[]): CheckResult[] {
  return remotes.map((name) => {
    const entry = entries.find((e) => e.id === name);
    if (entry === undefined)
      return failed('istiod-sync', name, `istiod does not list ${name} in /debug/clusterz: it has not read its registry Secret (registry.mode: secrets?)`);
    const status = (entry.syncStatus ?? 'unknown').toLowerCase();
    if (status === 'synced') return ok('istiod-sync', name, `istiod: synced${entry.secretName ? ` (from ${entry.secretName})` : ''}`);
    return failed(
      'istiod-sync',
      name,
      `istiod reports ${status}${entry.secretName ? ` for ${entry.secretName}` : ''}: it cannot watch this cluster with the published credential`,
    );
  });
}

/** True when every check held (skipped ones do not fail the mesh). */
export function allHold(results: readonly CheckResult[]): boolean {
  return results.every((r) => r.result !== 'failed');
}
