import type { ComponentPlan, PlannedChange } from '@meshd/core';
import type { TillerPlan, TillerStep } from './steps.js';

function releaseChange(plan: TillerPlan, op: PlannedChange['op'], detail: string[]): PlannedChange {
  return { op, kind: 'Release', namespace: plan.namespace, name: plan.release, detail };
}

/** A Tiller step on the release itself (as opposed to prerequisites and objects). */
type ReleaseStep = Extract<TillerStep, { op: 'rollback' | 'purge' | 'install' | 'upgrade' }>;

function changesOfStep(plan: TillerPlan, step: TillerStep, where: string): PlannedChange[] {
  switch (step.op) {
    case 'create':
      return [
        {
          op: 'create',
          kind: step.object.kind,
          name: step.object.metadata.name,
          ...namespaceOf(step.object.metadata.namespace),
          detail: ['Tiller prerequisite'],
        },
      ];
    case 'install-tiller':
      return [{ op: 'install', kind: 'Deployment', namespace: step.namespace, name: 'tiller-deploy', detail: ['helm init --service-account tiller'] }];
    case 'delete':
      return [
        {
          op: 'recreate',
          kind: step.ref.kind,
          name: step.ref.name,
          ...namespaceOf(step.ref.namespace),
          detail: ['changed on the cluster: deleted, then re-created by Tiller'],
        },
      ];
    default:
      return [releaseChangeOfStep(plan, step, where)];
  }
}

/** `{ namespace }` for a namespaced object, `{}` for a cluster-scoped one. */
function namespaceOf(namespace: string | undefined): { namespace?: string } {
  return namespace === undefined ? {} : { namespace };
}

function releaseChangeOfStep(plan: TillerPlan, step: ReleaseStep, where: string): PlannedChange {
  switch (step.op) {
    case 'rollback':
      return releaseChange(plan, 'upgrade', [`rollback to revision ${step.revision}`, where]);
    case 'purge':
      return releaseChange(plan, 'uninstall', ['helm delete --purge', where]);
    case 'install':
      return releaseChange(plan, 'install', [where, ...(step.replace ? ['--replace'] : []), ...plan.objectChanges]);
    case 'upgrade':
      return releaseChange(plan, 'upgrade', [`revision ${plan.revision} → new revision`, where, ...plan.objectChanges]);
  }
}

/** The changes `meshd plan` shows for a Tiller plan (never values). Pure. */
export function tillerChanges(plan: TillerPlan, where: string): PlannedChange[] {
  return plan.steps.flatMap((step) => changesOfStep(plan, step, where));
}

/** Who a Tiller plan is for and how to carry it out. */
export interface TillerPlanContext {
  component: string;
  cluster: string;
  /** Where Tiller is, for display ("Tiller at 127.0.0.1:44134"). */
  where: string;
  apply: (signal?: AbortSignal) => Promise<number>;
}

/** Wraps a Tiller plan as the component plan the pass reports and applies. */
export function tillerComponentPlan(plan: TillerPlan, { component, cluster, where, apply }: TillerPlanContext): ComponentPlan {
  const result: ComponentPlan = {
    component,
    cluster,
    state: plan.status.state,
    reason: `${plan.status.reason} (${where})`,
    changes: tillerChanges(plan, where),
    apply: plan.steps.length === 0 ? () => Promise.resolve(0) : apply,
  };
  if (plan.error !== undefined) {
    result.error = plan.error;
    // A release meshd did not install is not meshd's; anything else that stops a Tiller plan is Tiller's state.
    result.errorCode = plan.status.state === 'unmanaged' ? 'MESHD_ERR_NOT_OWNED' : 'MESHD_ERR_TILLER';
  }
  return result;
}
