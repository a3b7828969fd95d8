import type { ComponentReport, CredentialStatus, MeshEndpoints, ReportError } from '@meshd/core';
import type { Finding } from '@meshd/core/descriptor';
import type { IstiodSync } from './istiod-sync.js';
import type { ClusterEntry, LastReconcile, StatusState } from './status-state.js';

/** One component (release, secrets, registry) as /status shows it. */
export interface ComponentStatus {
  component: string;
  /** The state now: `in-sync` once a pass applied the component's changes without error. */
  state: string;
  /** The state the last pass observed before acting (absent, out-of-sync, drifted…). */
  observed: string;
  reason: string;
  /** Changes planned or made in the last pass. */
  changes: number;
  writes: number;
  /** What went wrong: its catalogue code (MESHD_ERR_*), text and retry class. */
  error?: ReportError;
}

/** One cluster as /status shows it. Never holds credentials. */
export interface ClusterStatus {
  name: string;
  role: 'control-plane' | 'remote';
  server: string;
  reachable: boolean;
  /** ISO time since which the cluster has been unreachable (rule 3). */
  unreachableSince?: string;
  /** ISO time since which the cluster has been reachable without a break. */
  reachableSince?: string;
  version?: string;
  state: string;
  /**
   * Why the cluster is not converged: its catalogue code (MESHD_ERR_*), text and retry class;
   * `retry: terminal` means parked: it cannot fix itself and is not retried until its input changes (rule 10).
   */
  lastError?: ReportError;
  warnings: string[];
  /** The release of the cluster's backend (its component named by a registered backend or renderer). */
  release?: ComponentStatus;
  /** The secrets plugin's copies. */
  secrets?: ComponentStatus;
  components: ComponentStatus[];
  /** True when this cluster runs from its last good descriptor (its file is invalid). */
  fromLastGood: boolean;
  /** ISO time of the report this entry comes from. */
  updatedAt: string;
}

/** Who acts, when leader election is on. */
export interface LeaderStatus {
  enabled: boolean;
  isLeader: boolean;
  identity: string;
  holder?: string;
}

/** Facts about the running daemon that are not in pass reports. */
export interface StatusContext {
  directory: string;
  /** The registered backends' and renderers' names: a cluster's component by one of them is its `release`. */
  backends: readonly string[];
  /** Why the directory is unusable right now (the watch's live view: "does not exist"…); undefined while it is there. */
  directoryProblem?: string;
  startedAt: number;
  leader?: LeaderStatus;
  queue?: { depth: number; active: string[] };
  shuttingDown?: boolean;
  /** istiod's sync state per cluster (config istiod.debugUrl), as last read. */
  istiod?: IstiodSync;
  /** Keys enqueued at start-up (or on winning the lease) that have not finished a reconcile yet. */
  firstRoundPending?: number;
}

/** The body of GET /status (DESIGN.md § Interfaces). */
export interface MeshStatus {
  ready: boolean;
  readyReasons: string[];
  startedAt: string;
  /** `problem`: why the directory is unusable right now (gone, not a directory…), from the live watch. */
  directory: { path: string; valid: boolean; problem?: string; errors: number; warnings: number; findings: Finding[] };
  controlPlane?: string;
  endpoints?: MeshEndpoints;
  /** ISO time the endpoints last changed (a Pilot or Mixer move), or were first seen. */
  endpointsChangedAt?: string;
  registry?: ComponentStatus;
  clusters: ClusterStatus[];
  /** Mesh-wide errors of the newest pass (no control plane, discovery failed…), each with its code and retry class. */
  errors: ReportError[];
  removed: { name: string; at: string }[];
  /** Clusters whose removal the deletion budget holds (removals.maxPerPass), until confirmed. */
  removalsHeld: string[];
  lastReconcile?: { key: string; at: string; durationMs: number; result: string; converged?: boolean; error?: ReportError };
  lastSuccessfulReconcile?: string;
  leader?: LeaderStatus;
  queue?: { depth: number; active: string[] };
  /** Minted Pilot credentials: kind, expiry and next rotation per cluster (never the token). */
  credentials?: CredentialStatus[];
  /** istiod's own view (config istiod.debugUrl): its /debug/clusterz syncStatus per cluster. */
  istiod?: IstiodSync;
}

/** The newest pass report as the status state keeps it. */
type LatestReport = NonNullable<StatusState['latest']>['report'];

const iso = (ms: number): string => new Date(ms).toISOString();

function componentStatus(c: ComponentReport): ComponentStatus {
  const applied = c.error === undefined && c.writes > 0;
  const changes = c.changes.filter((x) => x.op !== 'orphan').length;
  const status: ComponentStatus = {
    component: c.component,
    state: applied ? 'in-sync' : c.state,
    observed: c.state,
    reason: c.reason,
    changes,
    writes: c.writes,
  };
  if (c.error !== undefined) status.error = c.error;
  return status;
}

/** The parts of /status the page's timeline compares. */
export type TimelineView = Pick<MeshStatus, 'clusters' | 'removed' | 'endpoints' | 'lastReconcile'>;

/**
 * The timeline's view of the state for the named clusters only (the ones a report covers), so that
 * each reconcile is compared before and after it at the cost of its own clusters, not the mesh's.
 * Pure.
 */
export function timelineView(state: StatusState, names: readonly string[], backends: readonly string[]): TimelineView {
  const clusters = names.flatMap((name) => {
    const entry = state.clusters[name];
    return entry === undefined ? [] : [clusterStatus(entry, backends)];
  });
  const view: TimelineView = { clusters, removed: state.removed.map((r) => ({ name: r.name, at: iso(r.at) })) };
  const endpoints = state.latest?.report.endpoints;
  if (endpoints !== undefined) view.endpoints = endpoints;
  if (state.lastReconcile) view.lastReconcile = lastReconcileStatus(state.lastReconcile);
  return view;
}

function clusterStatus(entry: ClusterEntry, backends: readonly string[]): ClusterStatus {
  const r = entry.report;
  const components = r.components.map(componentStatus);
  const status: ClusterStatus = {
    name: r.name,
    role: r.role,
    server: r.server,
    reachable: r.reachable,
    state: r.state,
    warnings: [...r.warnings],
    components,
    fromLastGood: r.fromLastGood === true,
    updatedAt: iso(entry.at),
  };
  if (entry.unreachableSince !== undefined) status.unreachableSince = iso(entry.unreachableSince);
  if (entry.reachableSince !== undefined) status.reachableSince = iso(entry.reachableSince);
  if (r.version !== undefined) status.version = r.version;
  if (r.lastError !== undefined) status.lastError = r.lastError;
  // The last backend component: during a backend switch the previous backend's uninstall comes first.
  const release = components.filter((c) => backends.includes(c.component)).at(-1);
  if (release) status.release = release;
  const secrets = components.find((c) => c.component === 'secrets');
  if (secrets) status.secrets = secrets;
  return status;
}

/**
 * Why the daemon is not ready (empty: ready). Ready means: the directory is there and valid, every
 * key enqueued at start-up has been reconciled once, and the newest reconcile that looked at the
 * control plane reached it. Pure.
 */
export function readinessReasons(state: StatusState, context: StatusContext): string[] {
  const reasons: string[] = [];
  if (context.shuttingDown === true) reasons.push('shutting down');
  const standby = standbyReason(context.leader);
  if (standby !== undefined) reasons.push(standby);
  if (context.directoryProblem !== undefined) reasons.push(`the cluster directory ${context.directory} ${context.directoryProblem}`);
  const latest = state.latest?.report;
  if (!latest) {
    reasons.push('no reconcile has completed yet');
    return reasons;
  }
  const pending = context.firstRoundPending ?? 0;
  if (pending > 0) reasons.push(`the first reconcile of every key is not done yet (${pending} to go)`);
  if (!latest.directoryValid) reasons.push(invalidDirectoryReason(latest));
  const controlPlane = controlPlaneReason(state, latest.controlPlane);
  if (controlPlane !== undefined) reasons.push(controlPlane);
  return reasons;
}

/** Why a standby meshd is not ready (another one holds the lease), or undefined when it leads or elects no leader. */
function standbyReason(leader: StatusContext['leader']): string | undefined {
  if (leader?.enabled !== true || leader.isLeader) return undefined;
  return `standby: another meshd holds the lease${leader.holder ? ` (${leader.holder})` : ''}`;
}

/** Why an invalid directory keeps the daemon from being ready, counting its errors. */
function invalidDirectoryReason(latest: LatestReport): string {
  const errors = latest.findings.filter((f) => f.severity === 'error').length;
  return `the cluster directory is invalid (${errors} error${errors === 1 ? '' : 's'}; see /status)`;
}

/**
 * Why the control plane keeps the daemon from being ready: never reached, or unreachable (or
 * refusing meshd's credentials) in the newest reconcile that looked at it. A reconcile that failed
 * before reaching it does not count as "a reconcile completed". Pure.
 */
function controlPlaneReason(state: StatusState, name: string | undefined): string | undefined {
  const entry = name === undefined ? undefined : state.clusters[name];
  if (name === undefined || entry === undefined) return 'the control plane has not been reached yet';
  if (entry.report.reachable) return undefined;
  const since = entry.unreachableSince === undefined ? '' : ` since ${iso(entry.unreachableSince)}`;
  const why = entry.report.lastError === undefined ? '' : `: ${entry.report.lastError.message}`;
  const what = entry.report.state === 'error' || entry.report.state === 'failed' ? 'failing' : entry.report.state;
  return `the control plane ${name} is ${what}${since}${why}`;
}

/**
 * Builds the /status body from the folded pass reports and the daemon's own facts. Pure; the order
 * of clusters is control plane first, then by name.
 */
export function statusFromReports(state: StatusState, context: StatusContext): MeshStatus {
  const latest = state.latest?.report;
  const reasons = readinessReasons(state, context);
  const status: MeshStatus = {
    ready: reasons.length === 0,
    readyReasons: reasons,
    startedAt: iso(context.startedAt),
    directory: directoryStatus(context, latest),
    clusters: Object.values(state.clusters)
      .map((c) => clusterStatus(c, context.backends))
      .sort(byRoleThenName),
    errors: latest?.errors ?? [],
    removed: state.removed.map((r) => ({ name: r.name, at: iso(r.at) })),
    removalsHeld: Object.values(state.clusters)
      .filter((c) => c.report.state === 'held')
      .map((c) => c.report.name)
      .sort(),
  };
  addPassParts(status, state, latest);
  addDaemonParts(status, state, context);
  addCredentialParts(status, latest, context);
  return status;
}

/** The parts of /status the newest pass saw: control plane, endpoints (and when they changed), registry. */
function addPassParts(status: MeshStatus, state: StatusState, latest: LatestReport | undefined): void {
  if (latest?.controlPlane !== undefined) status.controlPlane = latest.controlPlane;
  if (latest?.endpoints !== undefined) status.endpoints = latest.endpoints;
  if (state.endpointsChangedAt !== undefined) status.endpointsChangedAt = iso(state.endpointsChangedAt);
  if (latest?.registry !== undefined) status.registry = componentStatus(latest.registry);
}

/** The daemon's own parts of /status: the last (and last successful) reconcile, leadership, the queue. */
function addDaemonParts(status: MeshStatus, state: StatusState, context: StatusContext): void {
  if (state.lastReconcile) status.lastReconcile = lastReconcileStatus(state.lastReconcile);
  if (state.lastSuccessAt !== undefined) status.lastSuccessfulReconcile = iso(state.lastSuccessAt);
  if (context.leader) status.leader = context.leader;
  if (context.queue) status.queue = context.queue;
}

/** The credential parts of /status: minted credentials' expiry, istiod's sync state. */
function addCredentialParts(status: MeshStatus, latest: NonNullable<StatusState['latest']>['report'] | undefined, context: StatusContext): void {
  if (latest?.credentials !== undefined) status.credentials = latest.credentials;
  if (context.istiod) status.istiod = context.istiod;
}

function byRoleThenName(a: ClusterStatus, b: ClusterStatus): number {
  if (a.role !== b.role) return a.role === 'control-plane' ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function directoryStatus(context: StatusContext, latest: NonNullable<StatusState['latest']>['report'] | undefined): MeshStatus['directory'] {
  const findings = latest?.findings ?? [];
  const count = (severity: string): number => findings.filter((f) => f.severity === severity).length;
  const valid = context.directoryProblem === undefined && (latest?.directoryValid ?? false);
  const status: MeshStatus['directory'] = { path: context.directory, valid, errors: count('error'), warnings: count('warning'), findings };
  if (context.directoryProblem !== undefined) status.problem = context.directoryProblem;
  return status;
}

function lastReconcileStatus(last: LastReconcile): NonNullable<MeshStatus['lastReconcile']> {
  const status: NonNullable<MeshStatus['lastReconcile']> = { key: last.key, at: iso(last.at), durationMs: last.durationMs, result: last.outcome };
  if (last.converged !== undefined) status.converged = last.converged;
  if (last.error !== undefined) status.error = last.error;
  return status;
}
