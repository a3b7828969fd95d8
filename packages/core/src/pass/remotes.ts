import { combineErrors, failureState, prefixed, reportError } from '../errors.js';
import { BACKEND_ANNOTATION } from '../descriptor/annotations.js';
import type { ValidCluster } from '../descriptor/types.js';
import type { ClusterClient } from '../cluster/client.js';
import { clusterFailureOf, type ClusterFailure } from '../cluster/failure.js';
import { warmCoreDiscovery } from '../cluster/served-apis.js';
import type { ClusterFacts } from '../prereq/facts.js';
import { sharedClusterFacts, type FactsRequest } from '../prereq/facts-cache.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { ClusterTarget, MeshInputs, PlannedChange } from '../plugin/types.js';
import { journalsOf } from '../state/object-journal.js';
import type { StateStore } from '../state/store.js';
import { componentConverged, componentsFor, observeAndPlan, observeAndPlanRemoval, planHoldsAfter, runComponent, unmetNeedPlan } from './components.js';
import type { ApplySwitch, CarriedPlan } from './components.js';
import { runBackend } from './backend-switch.js';
import type { MeshObservations } from './mesh-observe.js';
import type { ClusterReport, ComponentReport, PassConfig } from './types.js';

/** A cluster connection with what its API server said about itself (undefined facts: unreachable). */
export interface ProbedCluster {
  name: string;
  role: 'control-plane' | 'remote';
  client: ClusterClient;
  facts?: ClusterFacts;
  /** Why the facts could not be read (the network, the credentials, or an error answer). */
  failure?: ClusterFailure;
  /** The descriptor's `meshd.io/backend` annotation, if any. */
  backend?: string;
}

/**
 * Asks one cluster for its facts (sharing a probe in flight that started after `read.since`, or
 * through the CLI's facts kept across runs, `read.kept`: sharedClusterFacts); a
 * cluster that cannot be used is reported (unreachable, unauthorized, or an error answer, each with
 * its code), never treated as empty. The core group's API discovery, which the steps after it need,
 * is asked meanwhile (warmCoreDiscovery).
 */
export async function probeCluster(name: string, role: 'control-plane' | 'remote', client: ClusterClient, read: FactsRequest = {}): Promise<ProbedCluster> {
  const facts = sharedClusterFacts(client, read);
  // After the probe's own requests: a cluster's first request goes alone, and a silent cluster's
  // probe must fail on its own request (timed out), not on the discovery's.
  warmCoreDiscovery(client);
  try {
    return { name, role, client, facts: await facts };
  } catch (err) {
    return { name, role, client, failure: clusterFailureOf(err) };
  }
}

/** The base report of a probed cluster. */
export function baseReport(p: ProbedCluster): ClusterReport {
  const report: ClusterReport = {
    name: p.name,
    role: p.role,
    server: p.client.server,
    reachable: p.facts !== undefined,
    state: 'converged',
    warnings: [],
    components: [],
  };
  if (p.facts) report.version = p.facts.gitVersion;
  if (p.failure !== undefined) {
    report.state = p.failure.state;
    report.lastError = reportError(p.failure.code, p.failure.message);
  }
  return report;
}

/** What every member step shares within one pass. */
export interface MemberContext {
  plugins: readonly LoadedPlugin[];
  config: PassConfig;
  mesh: MeshInputs;
  apply: ApplySwitch;
  /** The state directory: each target gets its journals from it (undefined: label-only ownership). */
  state?: StateStore | undefined;
  /** Each plugin's mesh-wide observation of this pass, read once for every member (pass/mesh-observe.ts). */
  observations: MeshObservations;
}

/** backendOf for a cluster as its descriptor declares it (its `meshd.io/backend` annotation), before any probe. Pure. */
export function descriptorBackend(cluster: Pick<ValidCluster, 'name' | 'annotations'>, config: Pick<PassConfig, 'clusters' | 'backend'>): string {
  const annotated = cluster.annotations[BACKEND_ANNOTATION];
  return backendOf(annotated === undefined ? { name: cluster.name } : { name: cluster.name, backend: annotated }, config);
}

/** The backend chosen for a cluster, most specific first: meshd.yaml's clusters.NAME.backend, the descriptor's annotation, the default. */
export function backendOf(probe: Pick<ProbedCluster, 'name' | 'backend'>, config: Pick<PassConfig, 'clusters' | 'backend'>): string {
  const override = config.clusters[probe.name]?.backend;
  return typeof override === 'string' ? override : (probe.backend ?? config.backend);
}

function targetOf(probe: ProbedCluster, ctx: MemberContext, backend: string): { target: ClusterTarget; components: LoadedPlugin[] } {
  const overrides = ctx.config.clusters[probe.name] ?? {};
  const target: ClusterTarget = { name: probe.name, role: probe.role, client: probe.client, overrides };
  if (probe.facts) target.version = probe.facts.gitVersion;
  const journal = journalsOf(ctx.state, probe.name);
  if (journal) target.journal = journal;
  return { target, components: componentsFor(ctx.plugins, backend) };
}

/** A component's plan step: core's skipped plan when its needs are unmet, else the plugin's own observe (given the pass's mesh-wide observation) and plan. */
function planStep(plugin: LoadedPlugin, ctx: MemberContext): (t: ClusterTarget, m: MeshInputs) => Promise<CarriedPlan> {
  return (t, m) =>
    Promise.resolve().then(() => {
      const unmet = unmetNeedPlan(plugin, t, m);
      return unmet ? { plan: unmet } : observeAndPlan(plugin.instance, t, m, { signal: ctx.apply.signal, observing: ctx.observations.of(plugin) });
    });
}

/**
 * Whether the early plan still holds after what the components before it wrote (`written`): nothing
 * written, or nothing in what its observation read (planHoldsAfter); else it is made again. A failed
 * early plan is made again after a write (it may have failed on what was being written).
 */
async function earlyHolds(early: Promise<CarriedPlan>, written: readonly PlannedChange[]): Promise<boolean> {
  if (written.length === 0) return true;
  const carried = await early.catch(() => undefined);
  return carried !== undefined && planHoldsAfter(carried.reads, written);
}

/** The changes a component's reports applied (none when they wrote nothing). */
function appliedChanges(reports: readonly ComponentReport[]): PlannedChange[] {
  return reports.filter((r) => r.writes > 0).flatMap((r) => r.changes);
}

/**
 * Runs the backend and addons on one reachable, unblocked remote. Plans only read, so every
 * component's plan starts at once (an addon's reads overlap the backend's render and reads); the
 * plans are applied in the components' order. A plan made while an earlier component still had
 * writes to make is kept when none of those writes touched what its observation read (its instance's
 * `reads`: the secrets addon's copies are not the backend's release), else made again once they are
 * done: each component plans against what the ones before it wrote, as when they ran one after
 * another, and reads each cluster's release once per pass when nothing it depends on changed. The
 * backend runs through runBackend, which first has the previously installed backend uninstall when
 * the cluster's backend changed (then the early plan is not used: it saw the old release).
 */
export async function reconcileMember(probe: ProbedCluster, ctx: MemberContext): Promise<ClusterReport> {
  const report = baseReport(probe);
  const { target, components } = targetOf(probe, ctx, backendOf(probe, ctx.config));
  const run = { plugins: ctx.plugins, target, mesh: ctx.mesh, apply: ctx.apply, state: ctx.state, observations: ctx.observations };
  const steps = components.map((plugin) => planStep(plugin, ctx));
  const early = steps.map((step) => step(target, ctx.mesh));
  for (const plan of early) void plan.catch(() => undefined); // a plan made again is not awaited: its failure is not the pass's
  const written: PlannedChange[] = [];
  for (const [i, plugin] of components.entries()) {
    const planned = (await earlyHolds(early[i]!, written)) ? early[i] : undefined;
    const reports: ComponentReport[] =
      plugin.kind === 'backend'
        ? await runBackend({ ...run, ...(planned ? { early: planned } : {}) }, plugin)
        : [await runComponent({ step: () => planned ?? steps[i]!(target, ctx.mesh), name: plugin.name, target, mesh: ctx.mesh, apply: ctx.apply })];
    report.components.push(...reports);
    written.push(...appliedChanges(reports));
  }
  summarise(report, ctx.apply.enabled);
  return report;
}

/** The backend that uninstalls a leaving cluster's release: the one recorded as installed there when registered, else the config's. */
function removalBackend(probe: ProbedCluster, ctx: MemberContext): string {
  const installed = ctx.state?.member(probe.name)?.backend;
  const registered = ctx.plugins.some((p) => p.kind === 'backend' && p.name === installed);
  return installed !== undefined && registered ? installed : backendOf(probe, ctx.config);
}

/**
 * Runs every component's removal on a cluster that left the mesh (reverse order: addons first). The
 * backend is the one the state directory records as installed there, else the one the config chooses.
 */
export async function removeMember(probe: ProbedCluster, ctx: MemberContext): Promise<ClusterReport> {
  const report = baseReport(probe);
  if (!report.reachable) return report;
  const { target, components } = targetOf(probe, ctx, removalBackend(probe, ctx));
  for (const plugin of components.reverse()) {
    report.components.push(
      await runComponent({
        step: (t, m) => observeAndPlanRemoval(plugin.instance, t, m, ctx.apply.signal),
        name: plugin.name,
        target,
        mesh: ctx.mesh,
        apply: ctx.apply,
      }),
    );
  }
  summarise(report, ctx.apply.enabled);
  if (ctx.apply.enabled && report.state === 'converged') report.state = 'removed';
  return report;
}

function summarise(report: ClusterReport, applied: boolean): void {
  report.warnings.push(...report.components.flatMap((c) => c.warnings ?? []));
  const failed = report.components.filter((c) => c.error !== undefined);
  const first = failed[0];
  if (first) {
    // Every failure a lost link (timed out, refused, 5xx): the cluster is unreachable, not broken.
    const lostLink = failed.every((c) => c.error?.code === 'MESHD_ERR_TIMEOUT' || c.error?.code === 'MESHD_ERR_UNREACHABLE');
    // Parked (terminal) only when every failure is: one that may fix itself keeps the cluster retried.
    const error =
      combineErrors(failed.flatMap((c) => (c.error ? [prefixed(`${c.component}: `, c.error)] : []))) ?? reportError('MESHD_ERR_INTERNAL', first.component);
    report.state = lostLink ? 'unreachable' : failureState(error);
    if (lostLink) report.reachable = false;
    report.lastError = error;
  } else if (!report.components.every((c) => componentConverged(c, applied))) {
    report.state = 'changes-pending';
  }
}
