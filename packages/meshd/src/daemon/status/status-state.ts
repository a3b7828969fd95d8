import type { ClusterReport, PassReport, ReportError } from '@meshd/core';
import type { ReconcileOutcome } from '../queue/queue.js';

/** The newest report of one cluster, with when it came and since when the cluster is unreachable. */
export interface ClusterEntry {
  report: ClusterReport;
  at: number;
  unreachableSince?: number;
  /** Since when the cluster has been reachable without a break (undefined while unreachable). */
  reachableSince?: number;
}

/** How the last reconcile of any key ended. */
export interface LastReconcile {
  key: string;
  at: number;
  durationMs: number;
  outcome: ReconcileOutcome;
  /** True when the pass reported everything converged. */
  converged?: boolean;
  /** The reconcile's error, with its code and retry class (an unexpected throw is MESHD_ERR_INTERNAL). */
  error?: ReportError;
}

/**
 * What the daemon remembers for /status, folded from pass reports: the newest report of each
 * cluster, the newest pass (directory findings, control plane, endpoints, registry), removals, and
 * the last reconcile. Plain data without credentials (ClusterReports hold none; the mesh is not kept).
 * Owned by the daemon's status store; every fold returns a new value.
 */
export interface StatusState {
  clusters: Record<string, ClusterEntry>;
  latest?: { key: string; at: number; report: Omit<PassReport, 'mesh'> };
  removed: { name: string; at: number }[];
  lastReconcile?: LastReconcile;
  lastSuccessAt?: number;
  /** Set once any pass has finished. */
  firstReportAt?: number;
  /** When the endpoints in use (Pilot, policy, statsd IPs) last changed: the first pass that saw them, or a move. */
  endpointsChangedAt?: number;
}

/** The empty state of a daemon that has not reconciled yet. */
export function emptyStatusState(): StatusState {
  return { clusters: {}, removed: [] };
}

const MAX_REMOVED = 20;

/**
 * Folds one pass report (of key `key`, finished at `at`) into the state: each cluster it reports
 * replaces that cluster's older entry, removed clusters leave the table, the report becomes the
 * newest pass. Pure.
 */
export function foldReport(state: StatusState, key: string, report: PassReport, at: number): StatusState {
  const clusters = { ...state.clusters };
  let removed = state.removed;
  for (const cluster of report.clusters) {
    if (cluster.state === 'removed' || cluster.state === 'renamed') {
      delete clusters[cluster.name];
      removed = [{ name: cluster.name, at }, ...removed.filter((r) => r.name !== cluster.name)].slice(0, MAX_REMOVED);
      continue;
    }
    clusters[cluster.name] = clusterEntry(clusters[cluster.name], cluster, at);
    removed = removed.filter((r) => r.name !== cluster.name);
  }
  const { mesh: _mesh, ...withoutMesh } = report;
  const next: StatusState = { ...state, clusters, removed, latest: { key, at, report: withMeshParts(withoutMesh, state.latest?.report) } };
  next.firstReportAt = state.firstReportAt ?? at;
  const endpointsChangedAt = endpointsChange(state, report, at);
  if (endpointsChangedAt !== undefined) next.endpointsChangedAt = endpointsChangedAt;
  return next;
}

/**
 * The newest report with the mesh-wide parts it does not cover carried over from the one before: a
 * cluster key's pass has no registry and no credentials (the registry key's), the registry key's
 * pass judges no removal (the held ones are the cluster keys'). Pure.
 */
function withMeshParts(report: Omit<PassReport, 'mesh'>, before: Omit<PassReport, 'mesh'> | undefined): Omit<PassReport, 'mesh'> {
  const next = { ...report };
  if (next.registry === undefined && before?.registry !== undefined) next.registry = before.registry;
  if (next.credentials === undefined && before?.credentials !== undefined) next.credentials = before.credentials;
  if (report.part === 'registry') {
    delete next.held;
    if (before?.held !== undefined) next.held = before.held;
  }
  return next;
}

/** A cluster's new entry from its report at `at`, carrying over since when it has been (un)reachable from `previous`. */
function clusterEntry(previous: ClusterEntry | undefined, cluster: ClusterReport, at: number): ClusterEntry {
  const entry: ClusterEntry = { report: cluster, at };
  if (!cluster.reachable) entry.unreachableSince = previous?.report.reachable === false ? (previous.unreachableSince ?? at) : at;
  else entry.reachableSince = previous?.report.reachable === true ? (previous.reachableSince ?? at) : at;
  return entry;
}

/** When the endpoints last changed after folding `report` in: `at` when it carries other endpoints than the newest before. */
function endpointsChange(state: StatusState, report: PassReport, at: number): number | undefined {
  const before = state.latest?.report.endpoints;
  const now = report.endpoints;
  if (now === undefined) return state.endpointsChangedAt;
  const same = before !== undefined && before.pilot === now.pilot && before.policy === now.policy && before.statsd === now.statsd;
  return same ? (state.endpointsChangedAt ?? at) : at;
}

/** Drops clusters that are neither in `names` nor reported within the last pass (a cluster gone from the mesh). Pure. */
export function keepClusters(state: StatusState, names: ReadonlySet<string>): StatusState {
  const clusters = Object.fromEntries(Object.entries(state.clusters).filter(([name]) => names.has(name)));
  return { ...state, clusters };
}

/** Records how a reconcile ended (the report itself is folded separately). Pure. */
export function recordReconcile(state: StatusState, last: LastReconcile): StatusState {
  const next: StatusState = { ...state, lastReconcile: last };
  if (last.outcome === 'success' && last.converged === true) next.lastSuccessAt = last.at;
  return next;
}
