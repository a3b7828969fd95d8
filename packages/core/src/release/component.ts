import { shortHash } from '../plan/hash.js';
import type { ObjectAction } from '../plan/objects.js';
import type { ComponentPlan, PlannedChange } from '../plugin/types.js';
import { releaseNeedsWrites } from './execute.js';
import type { ReleasePlan } from './plan.js';

/** A planned object step as a display change (paths only, never values). */
export function changeOf(action: ObjectAction): PlannedChange | undefined {
  if (action.op === 'keep') return undefined;
  const change: PlannedChange = { op: action.op, kind: action.ref.kind, name: action.ref.name };
  if (action.ref.namespace !== undefined) change.namespace = action.ref.namespace;
  const detail = [action.reason, ...(action.diff ?? []).map((p) => `changed ${p}`)];
  change.detail = detail;
  return change;
}

/** Display changes of a list of object steps. */
export function changesOf(actions: readonly ObjectAction[]): PlannedChange[] {
  return actions.map(changeOf).filter((c): c is PlannedChange => c !== undefined);
}

/** The error a plan reports by itself: a conflict (unmanaged) or another writer's hold (locked). */
function planError(plan: ReleasePlan): Pick<ComponentPlan, 'error' | 'errorCode'> | undefined {
  if (plan.status.state === 'unmanaged') return { error: plan.status.reason, errorCode: 'MESHD_ERR_NOT_OWNED' };
  if (plan.status.state === 'locked') return { error: plan.status.reason, errorCode: 'MESHD_ERR_RELEASE_LOCKED' };
  return undefined;
}

/** Pure: a release plan as the component plan `meshd plan` shows and `meshd apply` executes (`work`: what the engine carries out). */
export function releaseComponentPlan<W>(component: string, cluster: string, plan: ReleasePlan, work: W): ComponentPlan<W> {
  const needsWrites = releaseNeedsWrites(plan);
  const changes = needsWrites ? changesOf([...plan.ensure, ...plan.actions]) : changesOf(plan.actions.filter((a) => a.op === 'conflict'));
  if (needsWrites && changes.length === 0) {
    changes.push({ op: 'update', kind: 'ConfigMap', namespace: plan.namespace, name: `inventory of ${plan.release}`, detail: [plan.status.reason] });
  }
  const result: ComponentPlan<W> = {
    component,
    cluster,
    state: plan.status.state,
    reason: plan.desiredHash ? `${plan.status.reason} (revision ${shortHash(plan.desiredHash)})` : plan.status.reason,
    changes,
    work,
  };
  if (plan.warnings.length > 0) result.warnings = [...plan.warnings];
  return { ...result, ...planError(plan) };
}
