import { MeshdError } from '../errors.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { ClusterTarget, ComponentPlan, MeshInputs } from '../plugin/types.js';
import type { ComponentReport } from './types.js';

/** The backend chosen for a cluster (config `clusters.NAME.backend`, else `backend`) and every addon. */
export function componentsFor(plugins: readonly LoadedPlugin[], backend: string): LoadedPlugin[] {
  const chosen = plugins.find((p) => p.kind === 'backend' && p.name === backend);
  if (!chosen) {
    const known = plugins.filter((p) => p.kind === 'backend').map((p) => p.name);
    throw new MeshdError('MESHD_ERR_INVALID_CONFIG', `backend "${backend}" is not available (known: ${known.join(', ')})`, { terminal: true });
  }
  const addons = plugins.filter((p) => p.kind === 'addon');
  return [...addons.filter((p) => p.order === 'before-backend'), chosen, ...addons.filter((p) => p.order !== 'before-backend')];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function reportOf(plan: ComponentPlan, writes: number, error?: string): ComponentReport {
  const report: ComponentReport = { component: plan.component, state: plan.state, reason: plan.reason, changes: plan.changes, writes };
  const err = error ?? plan.error;
  if (err !== undefined) report.error = err;
  if (plan.warnings !== undefined && plan.warnings.length > 0) report.warnings = [...plan.warnings];
  return report;
}

/** Whether a pass writes, and the signal that stops it. */
export interface ApplySwitch {
  enabled: boolean;
  signal?: AbortSignal;
}

/** One component step on one cluster: plan (or plan removal) then, when enabled, apply. */
export interface ComponentRun {
  step: (target: ClusterTarget, mesh: MeshInputs) => Promise<ComponentPlan>;
  name: string;
  target: ClusterTarget;
  mesh: MeshInputs;
  apply: ApplySwitch;
}

/** Plans one component and, in apply mode, carries the plan out. Never throws: errors are reported. */
export async function runComponent({ step, name, target, mesh, apply }: ComponentRun): Promise<ComponentReport> {
  let plan: ComponentPlan;
  try {
    plan = await step(target, mesh);
  } catch (err) {
    return { component: name, state: 'failed', reason: 'could not observe or plan', changes: [], error: errorText(err), writes: 0 };
  }
  // A plan may carry an error (say, one object it must not touch) and still have safe writes to make.
  if (!apply.enabled) return reportOf(plan, 0);
  if (!hasRealChanges(plan.changes)) {
    try {
      await plan.remember?.();
    } catch (err) {
      return reportOf(plan, 0, errorText(err));
    }
    return reportOf(plan, 0);
  }
  try {
    return reportOf(plan, await plan.apply(apply.signal));
  } catch (err) {
    return reportOf(plan, 0, errorText(err));
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
