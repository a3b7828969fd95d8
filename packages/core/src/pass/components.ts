import { MeshdError, combineErrors, reportError, reportErrorOf, writesBefore } from '../errors.js';
import type { ReportError } from '../errors.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type {
  AppliedPlan,
  ClusterTarget,
  ComponentInstance,
  ComponentPlan,
  DesiredInputs,
  MeshInputs,
  PlannedChange,
  ReadScope,
  ScopedObject,
} from '../plugin/types.js';
import type { ComponentReport } from './types.js';

/** The backend chosen for a cluster (config `clusters.NAME.backend`, else `backend`) and every addon. */
export function componentsFor(plugins: readonly LoadedPlugin[], backend: string): LoadedPlugin[] {
  const chosen = plugins.find((p) => p.kind === 'backend' && p.name === backend);
  if (!chosen) {
    const known = plugins.filter((p) => p.kind === 'backend').map((p) => p.name);
    throw new MeshdError('MESHD_ERR_INVALID_CONFIG', `backend "${backend}" is not available (known: ${known.join(', ')})`);
  }
  const addons = plugins.filter((p) => p.kind === 'addon');
  return [...addons.filter((p) => p.order === 'before-backend'), chosen, ...addons.filter((p) => p.order !== 'before-backend')];
}

/** The plan's own error (objects it left out, a conflict) as a report carries it. */
function plannedFailure(plan: ComponentPlan): ReportError | undefined {
  if (plan.error === undefined) return undefined;
  return reportError(plan.errorCode ?? 'MESHD_ERR_INTERNAL', plan.error);
}

/** Both the plan's findings and the apply's failure are reported; parked only when both are terminal. */
function mergedFailure(planned: ReportError | undefined, failure: ReportError | undefined): ReportError | undefined {
  return combineErrors([planned, failure].filter((e): e is ReportError => e !== undefined));
}

/** The write requests an apply made, whether it reported them alone or with its steps. */
export function writesOf(applied: number | AppliedPlan): number {
  return typeof applied === 'number' ? applied : applied.writes;
}

function reportOf(plan: ComponentPlan, applied: number | AppliedPlan, failure?: ReportError): ComponentReport {
  const report: ComponentReport = { component: plan.component, state: plan.state, reason: plan.reason, changes: plan.changes, writes: writesOf(applied) };
  if (typeof applied !== 'number') Object.assign(report, { steps: applied.steps, finalState: applied.finalState, stopped: applied.stopped });
  const err = mergedFailure(plannedFailure(plan), failure);
  if (err) report.error = err;
  if (plan.warnings !== undefined && plan.warnings.length > 0) report.warnings = [...plan.warnings];
  if (plan.notes !== undefined && plan.notes.length > 0) report.notes = [...plan.notes];
  return report;
}

/**
 * The plan core gives in place of a plugin whose declared needs are not met: a plugin that needs
 * `endpoints` is not asked to plan while discovery has failed. It is reported `skipped`, with the
 * reason, and the discovery error (retried: the cluster is not converged); nothing is guessed or
 * written. Undefined when every need is met. Pure.
 */
export function unmetNeedPlan(plugin: Pick<LoadedPlugin, 'name' | 'needs'>, target: ClusterTarget, mesh: MeshInputs): ComponentPlan | undefined {
  if (!plugin.needs.includes('endpoints') || mesh.endpoints) return undefined;
  const reason = `skipped: ${plugin.name} needs the control-plane endpoints, and discovery failed (see the pass's errors)`;
  return {
    component: plugin.name,
    cluster: target.name,
    state: 'skipped',
    reason,
    error: `control-plane endpoints are unknown (discovery failed): ${plugin.name} was not asked to plan`,
    errorCode: 'MESHD_ERR_DISCOVERY',
    changes: [],
    work: undefined,
  };
}

/** Pure: what a plugin's plan is made from on `target` in a pass with `mesh`: plain data, no connection. */
export function desiredInputsOf(target: ClusterTarget, mesh: MeshInputs): DesiredInputs {
  const cluster: DesiredInputs['cluster'] = { name: target.name, role: target.role, overrides: target.overrides };
  if (target.version !== undefined) cluster.version = target.version;
  return { cluster, endpoints: mesh.endpoints, adopt: mesh.adopt, prune: mesh.prune };
}

/** Who carries a plan out: the plugin instance that made it (its apply and journal-only remember). */
export type PlanCarrier = Pick<ComponentInstance, 'apply' | 'remember'>;

/** A plan and the instance that carries it out; core's own plans (a skipped plugin) have none and are never applied. */
export interface CarriedPlan<W = unknown> {
  plan: ComponentPlan<W>;
  carrier?: PlanCarrier;
  /** What the observation behind the plan read (the instance's `reads`); undefined: not known, so any earlier write makes it stale. */
  reads?: ReadScope;
}

const scopedKey = (o: ScopedObject): string => `${o.kind}/${o.namespace ?? ''}/${o.name}`;

/**
 * Pure: true when a plan observed with `reads` still holds after `written` (the changes earlier
 * components applied on the same cluster): none of them is an object it read, or lies in a namespace
 * whose contents it listed. Unknown reads never hold. Orphans and conflicts write nothing and are
 * ignored.
 */
export function planHoldsAfter(reads: ReadScope | undefined, written: readonly PlannedChange[]): boolean {
  const writes = written.filter((c) => c.op !== 'orphan' && c.op !== 'conflict');
  if (writes.length === 0) return true;
  if (reads === undefined) return false;
  const objects = new Set(reads.objects.map(scopedKey));
  const namespaces = new Set(reads.namespaces);
  const listed = (c: PlannedChange): boolean => namespaces.has(c.namespace ?? '') || (c.kind === 'Namespace' && namespaces.has(c.name));
  return writes.every((c) => !objects.has(scopedKey(c)) && !listed(c));
}

/**
 * The mesh-wide observation a component's observe is given: the pass's (`observing`, started once for
 * every remote: pass/mesh-observe.ts), else, for a caller without one (a test driving one cluster),
 * the instance's observeMesh of the control plane and this cluster alone; undefined without observeMesh.
 */
function meshObservationFor<O, W, R, M>(
  instance: ComponentInstance<O, W, R, M>,
  target: ClusterTarget,
  mesh: MeshInputs,
  signal: AbortSignal | undefined,
): Promise<M | undefined> {
  const meshTarget = { controlPlane: mesh.controlPlane, remotes: [{ name: target.name, overrides: target.overrides }] };
  return instance.observeMesh ? instance.observeMesh(meshTarget, signal) : Promise.resolve(undefined);
}

/** How a component is observed: the pass's signal, and its plugin's mesh-wide observation for the pass. */
export interface ObserveOptions<M = unknown> {
  signal?: AbortSignal | undefined;
  /** The pass's mesh-wide observation (MeshObservations.of); undefined: read for this cluster alone, when the plugin has observeMesh. */
  observing?: Promise<M> | undefined;
}

/**
 * The reading phases of one component on one cluster: observe (I/O), given the plugin's mesh-wide
 * observation (`observing`: its failure is this component's, with its code), then plan (pure) from
 * what was observed.
 */
export async function observeAndPlan<O, W, R, M>(
  instance: ComponentInstance<O, W, R, M>,
  target: ClusterTarget,
  mesh: MeshInputs,
  { signal, observing }: ObserveOptions<M> = {},
): Promise<CarriedPlan<W>> {
  const meshObserved = (await (observing ?? meshObservationFor(instance, target, mesh, signal))) as M;
  const observed = await instance.observe(target, { ...mesh, observed: meshObserved }, signal);
  const carried: CarriedPlan<W> = { plan: instance.plan(desiredInputsOf(target, mesh), observed), carrier: instance };
  const reads = instance.reads?.(observed);
  if (reads !== undefined) carried.reads = reads;
  return carried;
}

/** The reading phases of removing one component from a cluster that left the mesh: observe, then plan the removal. */
export async function observeAndPlanRemoval<O, W, R>(
  instance: ComponentInstance<O, W, R>,
  target: ClusterTarget,
  mesh: MeshInputs,
  signal?: AbortSignal,
): Promise<CarriedPlan<W>> {
  const observed = await instance.observeRemoval(target, mesh, signal);
  return { plan: instance.planRemoval(desiredInputsOf(target, mesh), observed), carrier: instance };
}

/** Whether a pass writes, and the signal that stops it. */
export interface ApplySwitch {
  enabled: boolean;
  signal?: AbortSignal;
}

/** One component step on one cluster: observe and plan (or plan removal) then, when enabled, apply through the plan's carrier. */
export interface ComponentRun {
  step: (target: ClusterTarget, mesh: MeshInputs) => Promise<CarriedPlan>;
  name: string;
  target: ClusterTarget;
  mesh: MeshInputs;
  apply: ApplySwitch;
}

/** Plans one component and, in apply mode, has its carrier carry the plan out. Never throws: errors are reported. */
export async function runComponent({ step, name, target, mesh, apply }: ComponentRun): Promise<ComponentReport> {
  let carried: CarriedPlan;
  try {
    carried = await step(target, mesh);
  } catch (err) {
    const error = reportErrorOf(err);
    return {
      component: name,
      state: error.code === 'MESHD_ERR_INTERNAL' ? 'error' : 'failed',
      reason: 'could not observe or plan',
      changes: [],
      error,
      writes: 0,
    };
  }
  const { plan, carrier } = carried;
  // A plan may carry an error (say, one object it must not touch) and still have safe writes to make.
  if (!apply.enabled || !carrier) return reportOf(plan, 0);
  if (!hasRealChanges(plan.changes)) {
    try {
      await carrier.remember?.(plan, target);
    } catch (err) {
      return reportOf(plan, 0, reportErrorOf(err));
    }
    return reportOf(plan, 0);
  }
  try {
    return reportOf(plan, await carrier.apply(plan, target, apply.signal));
  } catch (err) {
    return reportOf(plan, writesBefore(err), reportErrorOf(err));
  }
}

/** True when some change writes (orphans are only reported). */
export function hasRealChanges(changes: readonly { op: string }[]): boolean {
  return changes.some((c) => c.op !== 'orphan');
}

/** True when a component report means the component is where it should be. */
export function componentConverged(report: ComponentReport, applied: boolean): boolean {
  if (report.error !== undefined) return false;
  return applied || !hasRealChanges(report.changes);
}
