import { failureState, prefixed, reportError, reportErrorOf } from '../errors.js';
import type { ClusterClient } from '../cluster/client.js';
import { ConnectionPool } from '../cluster/pool.js';
import type { DesiredMesh, ValidCluster } from '../descriptor/mesh.js';
import { desiredMeshOf, validateDirectoryOnce } from '../descriptor/shared-validation.js';
import { BACKEND_ANNOTATION } from '../descriptor/annotations.js';
import type { DirectoryValidation } from '../descriptor/types.js';
import type { ValidateDirectoryOptions } from '../descriptor/validate.js';
import type { ClusterTarget, MeshInputs } from '../plugin/types.js';
import { observeRegistry } from '../registry/observe.js';
import type { ObservedRegistry } from '../registry/observe.js';
import pLimit from 'p-limit';
import { mapLimit } from '../util/concurrency.js';
import { anySignal } from '../util/any-signal.js';
import type { FactsRequest } from '../prereq/facts-cache.js';
import { discover, judgePrerequisites, member, readPilotFlags } from './members.js';
import type { LeavingPlan } from './leaving.js';
import type { PrerequisiteReport } from '../prereq/check.js';
import type { PilotMulticluster } from '../prereq/pilot-flags.js';
import type { MemberRecord } from '../state/store.js';
import { departedRecords, leaveMesh, markDeparted, membershipChanged, planLeaving, rememberBeforeActing, rememberedAtStart } from './leaving.js';
import { meshFromState } from './mesh-source.js';
import { prerequisiteError } from '../prereq/check.js';
import { publishedClusters, registryStep } from './publish.js';
import { credentialsStep } from './credentials-step.js';
import type { CredentialsOutcome } from './credentials-step.js';
import { baseReport, probeCluster, removeMember } from './remotes.js';
import { MeshObservations, meshTargetOf } from './mesh-observe.js';
import type { ProbedCluster } from './remotes.js';
import type { ClusterReport, ComponentReport, PassOptions, PassReport } from './types.js';

function finish(report: PassReport): PassReport {
  const all = [...report.clusters.flatMap((c) => c.components), ...(report.registry ? [report.registry] : [])];
  report.changes = all.reduce((n, c) => n + c.changes.filter((x) => x.op !== 'orphan').length, 0);
  report.writes = all.reduce((n, c) => n + c.writes, 0);
  const clustersOk = report.clusters.every((c) => c.state === 'converged' || c.state === 'removed' || c.state === 'renamed');
  const registryOk = report.part === 'clusters' || (report.registry !== undefined && report.registry.error === undefined);
  report.converged = report.directoryValid && report.errors.length === 0 && clustersOk && registryOk && (report.mode === 'apply' || report.changes === 0);
  return report;
}

/** What the control plane told us before any remote is touched (a `clusters` pass does not read the registry). */
interface ControlPlaneView {
  cp: ProbedCluster;
  /** Pilot's multicluster flags, read while the control plane was probed (a prerequisite; undefined: unreadable). */
  pilotFlags: Promise<PilotMulticluster | undefined>;
  observed?: ObservedRegistry;
  mesh: DesiredMesh;
}

/** The control plane this pass works with: the directory's, else the last good one's, else the remembered one's. */
function controlPlaneOf(opts: PassOptions, validation: DirectoryValidation, remembered: DesiredMesh | undefined): ValidCluster | undefined {
  return validation.clusters.find((c) => c.role === 'control-plane') ?? opts.lastGood?.controlPlane ?? remembered?.controlPlane;
}

/**
 * Starts reading the registry on the control plane while it is probed (one round trip less); the
 * answer is only looked at once the probe says the cluster can be used (awaitRegistry).
 */
function startRegistryRead(opts: PassOptions, cp: ClusterClient): Promise<ObservedRegistry | { failed: unknown }> {
  return observeRegistry(cp, opts.config.registry.namespace ?? 'istio-system', opts.config.registry.mode).catch((err: unknown) => ({ failed: err }));
}

/** The registry read startRegistryRead started; on failure it reports and returns undefined. */
async function awaitRegistry(
  reading: Promise<ObservedRegistry | { failed: unknown }>,
  cp: ProbedCluster,
  report: PassReport,
): Promise<ObservedRegistry | undefined> {
  const answer = await reading;
  if (!('failed' in answer)) return answer;
  report.errors.push(prefixed(`cannot read the registry on ${cp.name}: `, reportErrorOf(answer.failed)));
  return undefined;
}

/** Connects to the control plane and reads the registry; on failure it reports and returns undefined. */
async function viewControlPlane(
  opts: PassOptions,
  validation: DirectoryValidation,
  report: PassReport,
  remembered: DesiredMesh | undefined,
): Promise<ControlPlaneView | undefined> {
  const cpCluster = controlPlaneOf(opts, validation, remembered);
  if (!cpCluster) {
    report.errors.push(reportError('MESHD_ERR_INVALID_DIRECTORY', 'the directory names no usable control plane: nothing was changed'));
    return undefined;
  }
  const client = connectTo(opts, cpCluster);
  // The probe first: a cluster's first request goes alone, and a silent control plane is reported by the probe's own request.
  const probing = probeCluster(cpCluster.name, 'control-plane', client, probeRead(opts));
  const registry = report.part === 'clusters' ? undefined : startRegistryRead(opts, client);
  // Pilot's flags (a prerequisite) are read with the probe, not after it: off the pass's path.
  const pilotFlags = readPilotFlags(opts, client);
  const cp = await probing;
  report.controlPlane = cp.name;
  report.clusters.push(baseReport(cp));
  if (!cp.facts) return undefined;
  const observed = registry && (await awaitRegistry(registry, cp, report));
  if (report.part !== 'clusters' && !observed) return undefined;
  const mesh = desiredMeshOf(validation, opts.lastGood ?? remembered);
  if (!mesh) {
    report.errors.push(reportError('MESHD_ERR_INVALID_DIRECTORY', 'the directory is invalid and no last good version exists: nothing was changed'));
    return undefined;
  }
  return { cp, pilotFlags, mesh, ...(observed ? { observed } : {}) };
}

/** How a pass probes a cluster: with its signal, sharing a probe that started after the pass did (the daemon's keys), through the CLI's kept facts. */
function probeRead(opts: PassOptions, signal = opts.signal): FactsRequest {
  return { signal, since: opts.startedAt, kept: opts.keptFacts };
}

/** Probes a remote (its facts, or why it cannot be used), with the backend its descriptor names. */
async function probeRemote(opts: PassOptions, r: ValidCluster, signal = opts.signal): Promise<ProbedCluster> {
  return withBackend(await probeCluster(r.name, 'remote', connectTo(opts, r), probeRead(opts, signal)), r);
}

/** What identifies a probe within a pass: the cluster as the directory defines it. */
function probeId(c: ValidCluster): string {
  return `${c.name}\0${c.descriptorText}\0${c.kubeconfigText}`;
}

/**
 * A scoped `clusters` pass (a daemon remote key) and the whole-mesh pass (the one-shot CLI) probe
 * their remotes as the directory defines them at once, while the control plane is probed and its
 * registry read, instead of after: the remotes' connections, TLS handshakes and probes (3 round
 * trips) are off the path before their components run. The pass takes these probes when it gets to
 * them (`probeId` matches); one it never uses (the control plane did not answer) only cost reads.
 * Empty for any other pass.
 */
function probeEarly(opts: PassOptions, validation: DirectoryValidation): EarlyProbes {
  const probes = new Map<string, Promise<ProbedCluster>>();
  const stop = new AbortController();
  const probesEarly = earlyProbed(opts);
  // Stopped when the pass ends before using them (no usable control plane), so they never hold up its exit.
  // The pass's signal may live as long as the daemon (its queue's): anySignal, not AbortSignal.any (util/any-signal.ts).
  const both = opts.signal ? anySignal([opts.signal, stop.signal]) : undefined;
  const signal = both?.signal ?? stop.signal;
  const limit = pLimit(Math.max(EARLY_PROBES_AT_ONCE, opts.config.concurrency));
  if (probesEarly && validation.clusters.some((c) => c.role === 'control-plane'))
    for (const c of validation.clusters)
      if (c.role === 'remote' && probesEarly(c.name))
        probes.set(
          probeId(c),
          limit(() => probeRemote(opts, c, signal)),
        );
  return {
    probes,
    stop: (): void => {
      stop.abort();
      both?.dispose();
    },
    release: (): void => both?.dispose(),
  };
}

/**
 * How many remotes a pass probes at once at its start. Unbounded, a mesh of 1 000 clusters opened
 * 1 000 TLS connections together with the control plane's probe, whose 10 s limit then ran out in the
 * queue (bench:scale at 1 000 clusters: "cluster cp … unreachable: GET /version timed out after 10 s").
 * 32 keeps every remote of a small mesh probed at once and the control plane's probe among few others.
 */
const EARLY_PROBES_AT_ONCE = 32;

/** The remotes a pass probed at its start, and how to stop them when the pass ends without them. */
interface EarlyProbes {
  probes: ReadonlyMap<string, Promise<ProbedCluster>>;
  /** Aborts the probes still running (the pass ends without them) and stops listening to the pass's signal. */
  stop(): void;
  /** Stops listening to the pass's signal (the pass is over); probes still running go on to their own limits. */
  release(): void;
}

/** Which remotes a pass probes at its start: a scoped `clusters` pass its scope, the whole-mesh pass every one, any other none. */
function earlyProbed(opts: PassOptions): ((name: string) => boolean) | undefined {
  const { part, scope } = opts;
  if (part === 'clusters') return scope && ((name): boolean => scope.has(name));
  return (part ?? 'mesh') === 'mesh' ? (): boolean => true : undefined;
}

function withBackend(p: ProbedCluster, cluster: ValidCluster): ProbedCluster {
  const backend = cluster.annotations[BACKEND_ANNOTATION];
  return backend === undefined ? p : { ...p, backend };
}

/**
 * A pass without a connection factory of its own (the one-shot CLI) still makes one client per
 * cluster and kubeconfig for the whole pass: the credentials step, removals and the probes share it,
 * and its requests go as streams of one HTTP/2 connection per cluster kept for the pass
 * (`requestsOnOwnConnection`; keep-alive HTTP/1.1 where the server does not speak HTTP/2): at 1 000
 * simulated clusters 8 TLS connections per remote became 1 (bench/RESULTS.md, "Stream resets").
 */
const passPools = new WeakMap<PassOptions, ConnectionPool>();

function connectTo(opts: PassOptions, cluster: ValidCluster): ClusterClient {
  if (opts.connect) return opts.connect(cluster.name, cluster.kubeconfigText);
  let pool = passPools.get(opts);
  if (!pool) {
    pool = new ConnectionPool({ ...(opts.signal ? { signal: opts.signal } : {}), requestsOnOwnConnection: true });
    passPools.set(opts, pool);
  }
  return pool.connect(cluster.name, cluster.kubeconfigText);
}

/** One pass once the control plane answered: what every phase reads, and the report they fill. */
interface PassRun {
  opts: PassOptions;
  report: PassReport;
  view: ControlPlaneView;
  records: Map<string, MemberRecord>;
  remembered: DesiredMesh | undefined;
  limit: number;
  inScope: (name: string) => boolean;
  probe: (r: ValidCluster) => Promise<ProbedCluster>;
}

/** What the survey phase learnt: the endpoints, every in-scope remote probed, the prerequisites judged. */
interface MeshSurvey {
  endpoints: MeshInputs['endpoints'];
  probes: ProbedCluster[];
  joined: Set<string>;
  prereq: PrerequisiteReport;
  /** The plugins' mesh-wide observations, started with the probes when the pass acts on remotes. */
  observations: MeshObservations;
}

/** What the members phase did: the leaving plan it acted on, the members reconciled, the removals. */
interface MembersOutcome {
  leaving: LeavingPlan;
  members: ClusterReport[];
  removals: ClusterReport[];
}

/** The options a pass validates its directory with: meshd.yaml's registry and credentials modes, the backends loaded. Pure. */
function validationOptionsOf(opts: Pick<PassOptions, 'config' | 'plugins'>): ValidateDirectoryOptions {
  return {
    registryMode: opts.config.registry.mode,
    backends: opts.plugins.filter((p) => p.kind === 'backend').map((p) => p.name),
    ...(opts.config.credentials ? { credentialsMode: opts.config.credentials.mode } : {}),
  };
}

/**
 * The directory validated and the report every later phase fills. The validation is shared by
 * every pass handed the same snapshot with the same options (the daemon's keys of one directory
 * generation): validated once, not once per key.
 */
function startPass(opts: PassOptions): { validation: DirectoryValidation; report: PassReport } {
  const validation = validateDirectoryOnce(opts.snapshot, validationOptionsOf(opts));
  const report: PassReport = {
    mode: opts.mode,
    part: opts.part ?? 'mesh',
    findings: validation.findings,
    directoryValid: validation.valid,
    clusters: [],
    errors: [],
    changes: 0,
    writes: 0,
    converged: false,
  };
  return { validation, report };
}

/** Probes the in-scope remotes while the control plane is asked for its endpoints, then judges the prerequisites. */
async function surveyMesh(run: PassRun): Promise<MeshSurvey> {
  const { opts, report, remembered } = run;
  const { cp, mesh, pilotFlags } = run.view;
  // The remotes are probed while the control plane is asked for its endpoints: neither waits for the other.
  const observed = report.part === 'registry' ? mesh.remotes : mesh.remotes.filter((r) => run.inScope(r.name));
  const probing = mapLimit(observed, run.limit, run.probe);
  probing.catch(() => undefined); // a failure surfaces at the await below, not as an unhandled rejection meanwhile
  const observations = startMeshObservations(run, observed.length > 0);
  const discovered = await discover(opts, cp.client, report, opts.controlPlanePods);
  const endpoints = discovered && { pilot: discovered.pilot.ip, policy: discovered.policy.ip, statsd: discovered.statsd.ip };
  if (discovered) report.discovered = discovered;
  if (endpoints) report.endpoints = endpoints;
  const probes = await probing;
  const joined = new Set(remembered?.remotes.map((r) => r.name) ?? []);
  const prereq = await judgePrerequisites(opts, cp, probes, { joined, pilotFlags });
  report.clusters[0]?.warnings.push(...(prereq.findings[cp.name] ?? []).map((f) => f.message));
  return { endpoints, probes, joined, prereq, observations };
}

/**
 * The plugins' mesh-wide observations of this pass (pass/mesh-observe.ts). When the pass acts on
 * remotes they start now, beside the probes and discovery: the control plane's shared reads (the
 * secrets addon's sources) are then done, once for every remote, before the remotes' observes ask.
 */
function startMeshObservations(run: PassRun, actsOnRemotes: boolean): MeshObservations {
  const { opts, view } = run;
  const target = meshTargetOf(controlPlaneTarget(view.cp), view.mesh.remotes, opts.config.clusters);
  const observations = new MeshObservations(opts.plugins, target, { since: opts.startedAt, signal: opts.signal });
  if (run.report.part !== 'registry' && actsOnRemotes) observations.start();
  return observations;
}

/** The control plane as a component target (no per-cluster settings). */
function controlPlaneTarget(cp: ProbedCluster): ClusterTarget {
  return { name: cp.name, role: 'control-plane', client: cp.client, overrides: {} };
}

/** Plans who leaves (remembered first), reconciles the members and removes the leaving clusters. */
async function reconcileMembers(run: PassRun, survey: MeshSurvey): Promise<MembersOutcome> {
  const { opts, report, remembered, records, probe, inScope, limit } = run;
  const { cp, mesh } = run.view;
  const { endpoints, probes, joined, prereq } = survey;
  const leaving = await rememberBeforeActing(opts, {
    mesh,
    cp,
    probes,
    prereq,
    joined,
    leaving: await planLeaving(opts, { mesh, remembered, records, probes, probe }),
  });
  if (leaving.budget.reason !== undefined) report.held = { clusters: leaving.budget.held, reason: leaving.budget.reason };
  const inputs: MeshInputs = {
    controlPlane: controlPlaneTarget(cp),
    endpoints,
    adopt: opts.config.adopt,
    prune: opts.config.prune,
  };
  const apply = { enabled: opts.mode === 'apply', signal: opts.signal };
  const ctx = { plugins: opts.plugins, config: opts.config, mesh: inputs, apply, state: opts.state, observations: survey.observations };
  const members = await mapLimit(probes, limit, (p) => member(ctx, p, prereq));
  const serverOf = (c: ValidCluster): string => connectTo(opts, c).server;
  const removals = await leaveMesh({ plan: leaving, remembered, inScope, serverOf, probe, remove: (p) => removeMember(p, ctx), limit, opts });
  await markDeparted(opts, removals);
  report.clusters.push(...members, ...removals);
  return { leaving, members, removals };
}

/**
 * The registry pass's view of the members: every remote as observed (reachable or not, blocked by
 * its prerequisites or not), nothing run on it and nothing removed. Not added to the report: each
 * cluster's own key reports it.
 */
function observeMembers(survey: MeshSurvey): MembersOutcome {
  const members = survey.probes.map((p) => {
    const report = baseReport(p);
    return prerequisiteError(survey.prereq, p.name) ? { ...report, state: 'blocked' as const } : report;
  });
  return {
    leaving: { renames: new Map(), budget: { removable: [], held: [] }, leaving: [], ownerOf: () => Promise.resolve(undefined) },
    members,
    removals: [],
  };
}

/** Mints the credentials, writes the registry, then revokes what it replaced. */
async function publishMesh(run: PassRun, outcome: MembersOutcome): Promise<void> {
  const { opts, report, remembered } = run;
  const { cp, mesh, observed } = run.view;
  if (!observed) return;
  const { leaving, members, removals } = outcome;
  const clusters = publishedClusters({ mesh, registryMesh: remembered, members, removals, mode: opts.mode, renames: leaving.renames });
  const departed = departedRecords(opts);
  const known = opts.state
    ? new Set([...clusters.map((c) => c.name), ...(remembered?.remotes.map((r) => r.name) ?? []), ...departed.map((r) => r.name)])
    : undefined;
  const left = departedClusters(opts, departed);
  const reached = new Set([...report.clusters, ...members].filter((c) => c.reachable).map((c) => c.name));
  const credentials = await credentialsStep(opts, {
    clusters,
    left,
    clientIp: pilotIpOf(report),
    connect: (c) => connectTo(opts, c),
    reachable: (name) => reached.has(name),
  });
  attachCredentials(report, credentials.components, opts.mode === 'apply');
  report.registry = await registryStep(opts, {
    cp: cp.client,
    observed,
    clusters,
    sources: [mesh, remembered],
    kubeconfigs: credentials.kubeconfigs,
    ...(known ? { known } : {}),
  });
  await finishCredentials(
    report,
    credentials,
    left.map((c) => c.name),
  );
  await forgetDeparted(
    opts,
    report,
    departed.map((r) => r.name),
    left.map((c) => c.name),
  );
}

/**
 * One reconcile pass (plan or apply) over the part of the mesh `opts.part` names: the whole mesh
 * (the CLI), the clusters in scope only (a daemon cluster key: never the registry, never a
 * credential), or the registry (the daemon's registry key: members observed, credentials, registry).
 * Level-based: it reads the directory snapshot it is given and the live clusters; its memory is
 * `lastGood` and the state directory on the bastion (`state`), never anything read from a cluster.
 * Never throws for cluster problems: they are in the report. Deletes nothing it cannot prove it owns,
 * and nothing on a cluster it cannot reach; removes at most removals.maxPerPass clusters (the rest
 * are held) and never uninstalls a renamed one.
 * Phases, in order: control plane viewed, mesh surveyed, members reconciled (or observed), mesh published.
 */
export async function runPass(opts: PassOptions): Promise<PassReport> {
  let report: PassReport;
  try {
    report = await passOver(opts);
  } catch (err) {
    await opts.state?.flush().catch(() => undefined); // the pass's own failure is the one reported
    throw err;
  }
  await flushState(opts, report);
  return finish(report);
}

/** The phases of runPass, in order; the report is finished by runPass once the state directory is flushed. */
async function passOver(opts: PassOptions): Promise<PassReport> {
  const { validation, report } = startPass(opts);
  const { records, remembered } = rememberedAtStart(opts);
  const early = probeEarly(opts, validation);
  try {
    const view = await viewControlPlane(opts, validation, report, remembered);
    if (!view) {
      early.stop();
      return report;
    }
    report.mesh = view.mesh;
    const run: PassRun = {
      opts,
      report,
      view,
      records,
      remembered,
      limit: Math.max(1, opts.config.concurrency),
      inScope: (name: string): boolean => !opts.scope || opts.scope.has(name),
      probe: (r: ValidCluster): Promise<ProbedCluster> => early.probes.get(probeId(r)) ?? probeRemote(opts, r),
    };
    const survey = await surveyMesh(run);
    if (report.part === 'registry') await publishMesh(run, observeMembers(survey));
    else {
      const outcome = await reconcileMembers(run, survey);
      if (report.part === 'mesh') await publishMesh(run, outcome);
      else report.membershipChanged = membershipChanged(opts, records);
    }
    return report;
  } finally {
    early.release();
  }
}

/**
 * Writes what the pass deferred in the state directory (the creates' UIDs, publication times: see
 * StateStore.flush) before the pass reports: a failure is the pass's error (not converged, retried).
 */
async function flushState(opts: PassOptions, report: PassReport): Promise<void> {
  try {
    await opts.state?.flush();
  } catch (err) {
    report.errors.push(prefixed('state directory: ', reportErrorOf(err)));
  }
}

/** The Pilot pod IP this pass discovered (the address Pilot dials remotes from). */
function pilotIpOf(report: PassReport): string | undefined {
  return report.discovered?.pilot.ip;
}

/**
 * The departed members (their removal completed, in this pass or an earlier one) as clusters to
 * connect to: their credentials go (a renamed one keeps its credential under its new name).
 */
function departedClusters(opts: PassOptions, departed: readonly MemberRecord[]): ValidCluster[] {
  if (departed.length === 0) return [];
  const names = new Set(departed.map((r) => r.name));
  const all = meshFromState(opts.state?.members() ?? []);
  return (all?.remotes ?? []).filter((c) => names.has(c.name));
}

/** Forgets the departed members whose credential was revoked (apply mode); one whose revocation failed stays for the next registry pass. */
async function forgetDeparted(opts: PassOptions, report: PassReport, departed: readonly string[], revoked: readonly string[]): Promise<void> {
  if (!opts.state || opts.mode !== 'apply' || report.registry?.error !== undefined) return;
  const failed = new Set(report.errors.flatMap((e) => revoked.filter((name) => e.message.startsWith(`${name}: could not revoke`))));
  // A departed cluster whose files came back meanwhile is a member again (its key re-recorded it): kept.
  for (const name of departed) if (!failed.has(name) && opts.state.member(name)?.leftAt !== undefined) await opts.state.removeMember(name);
}

/**
 * Adds each cluster's `credentials` component to its report; a failed one makes the cluster `error`.
 * A registry pass reports no remote: a failed credential is a mesh error there (the registry key retries).
 */
function attachCredentials(report: PassReport, components: ReadonlyMap<string, ComponentReport>, applied: boolean): void {
  for (const [name, component] of components) {
    const cluster = report.clusters.find((c) => c.name === name);
    if (cluster) attachCredential(cluster, component, applied);
    else if (component.error !== undefined) report.errors.push(prefixed(`${name}: credentials: `, component.error));
  }
}

/** Adds one cluster's `credentials` component to its report. */
function attachCredential(cluster: ClusterReport, component: ComponentReport, applied: boolean): void {
  cluster.components.push(component);
  cluster.warnings.push(...(component.warnings ?? []));
  if (component.error !== undefined && (cluster.state === 'converged' || cluster.state === 'changes-pending')) {
    cluster.state = failureState(component.error);
    cluster.lastError = prefixed('credentials: ', component.error);
  } else if (!applied && component.changes.length > 0 && cluster.state === 'converged') {
    cluster.state = 'changes-pending';
  }
}

/** After the registry: revoke replaced and removed credentials, and report every credential's expiry. */
async function finishCredentials(report: PassReport, credentials: CredentialsOutcome, left: string[]): Promise<void> {
  const revoked = await credentials.afterPublish(report.registry !== undefined && report.registry.error === undefined);
  revoked.forEach((component, i) => {
    const cluster = report.clusters.find((c) => c.name === left[i]);
    if (cluster) cluster.components.push(component);
    if (component.error !== undefined) report.errors.push(prefixed(`${left[i] ?? ''}: could not revoke its Pilot credential: `, component.error));
  });
  for (const [name, component] of credentials.components) {
    const cluster = report.clusters.find((c) => c.name === name);
    if (cluster && component.error !== undefined && (cluster.state === 'converged' || cluster.state === 'changes-pending')) {
      cluster.state = failureState(component.error);
      cluster.lastError = prefixed('credentials: ', component.error);
    }
  }
  const statuses = credentials.statuses();
  if (statuses.length > 0) report.credentials = statuses;
  if (credentials.awaitingInstall.length > 0) report.awaitingInstall = credentials.awaitingInstall;
}
