import { splitServed } from '@meshd/core/plan';
import type { ComponentPlan, DesiredInputs, PlannedChange, ReadScope, ScopedObject } from '@meshd/core';
import type { ServedApis } from '@meshd/core/cluster';
import type { ErrorCode } from '@meshd/core';
import type { ReleaseState } from '@meshd/core/release';
import type { ChartValues } from '@meshd/helm';
import type { TillerConfig } from './config.js';
import { tillerLocation } from './config.js';
import { describeTiller } from './helm2/location.js';
import type { TillerLocation } from './helm2/location.js';
import type { TillerObservation } from './observe.js';
import { planTillerRelease } from './plan.js';
import { planTillerRemoval } from './removal.js';
import { unservedTillerPlan } from './served.js';
import type { TillerPlan, TillerPlanInput, TillerStep } from './steps.js';

/** Name of this backend in config (`backend: tiller`, `clusters.NAME.backend: tiller`). */
export const TILLER = 'tiller';

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

/**
 * What the tiller backend observed on one remote: the render and everything read through Tiller and
 * the API server (TillerPlanInput, but adopt), the values to install with (meshd's mark included), and
 * what the cluster serves of the rendered kinds. Plain data.
 */
export interface TillerObserved {
  input: Omit<TillerPlanInput, 'adopt'>;
  values: ChartValues;
  served: ServedApis;
  /** The namespace of Tiller's release records (its storage Secrets or ConfigMaps); undefined: not known. */
  tillerNamespace?: string;
}

const scopedOf = (key: string): ScopedObject => {
  const [, kind = '', namespace = '', name = ''] = key.split('/');
  return namespace === '' ? { kind, name } : { kind, namespace, name };
};

/**
 * Pure: what a Tiller observation read on the cluster: the rendered objects and the prerequisites
 * (found or absent), and Tiller's release records, counted as its namespace's contents (helm reads
 * them through Tiller). Without that namespace, every namespace's writes are taken as read (none holds).
 */
export function tillerReads(observed: TillerObserved): ReadScope | undefined {
  if (observed.tillerNamespace === undefined) return undefined;
  const keys = [...observed.input.live.keys(), ...(observed.input.prerequisites?.live.keys() ?? [])];
  return { objects: keys.map(scopedOf), namespaces: [observed.tillerNamespace] };
}

/** What the tiller backend observed for a removal: the release as Tiller reports it. */
export interface TillerRemovalObserved {
  observation: TillerObservation;
}

/** What a Tiller component plan carries to apply: the Tiller plan, where Tiller is, and the values to install with. */
export interface TillerWork {
  plan: TillerPlan;
  location: TillerLocation;
  values: ChartValues;
}

/** A Tiller component plan; `work` is undefined when nothing may be attempted (objects the cluster does not serve). */
export type TillerComponentPlan = ComponentPlan<TillerWork | undefined>;

/** Who a Tiller plan is for and what apply carries out. */
export interface TillerPlanContext {
  component: string;
  cluster: string;
  /** Where Tiller is, for display ("Tiller at 127.0.0.1:44134"). */
  where: string;
  work: TillerWork;
}

/** The error code of a plan that may not proceed, by its state (others: MESHD_ERR_TILLER). */
const ERROR_CODES: Partial<Record<ReleaseState, ErrorCode>> = { unmanaged: 'MESHD_ERR_NOT_OWNED', locked: 'MESHD_ERR_RELEASE_LOCKED' };

/** Pure: a Tiller plan as the component plan the pass reports and applies. */
export function tillerComponentPlan(plan: TillerPlan, { component, cluster, where, work }: TillerPlanContext): TillerComponentPlan {
  const result: TillerComponentPlan = {
    component,
    cluster,
    state: plan.status.state,
    reason: `${plan.status.reason} (${where})`,
    changes: tillerChanges(plan, where),
    work,
  };
  if (plan.error !== undefined) {
    result.error = plan.error;
    // A release meshd did not install is not meshd's; another client's operation is a lock (retried
    // until it ends or lapses); anything else that stops a Tiller plan is Tiller's state.
    result.errorCode = ERROR_CODES[plan.status.state] ?? 'MESHD_ERR_TILLER';
  }
  return result;
}

/**
 * Pure: the tiller backend's plan phase on one remote. Objects the cluster does not serve stop it
 * before Tiller is called (parked, MESHD_ERR_UNSERVED_API); otherwise the release's observed state
 * leads to its steps (planTillerRelease).
 */
export function planTiller(config: Pick<TillerConfig, 'namespace' | 'timeoutMs'>, desired: DesiredInputs, observed: TillerObserved): TillerComponentPlan {
  const { cluster } = desired;
  const { unserved } = splitServed(observed.input.desired, observed.served, { name: cluster.name, version: cluster.version ?? '' });
  if (unserved.length > 0) return unservedTillerPlan(TILLER, cluster, unserved);
  const location = tillerLocation(cluster.overrides, config);
  const plan = planTillerRelease({ ...observed.input, adopt: desired.adopt, pendingLeaseMs: config.timeoutMs });
  return tillerComponentPlan(plan, {
    component: TILLER,
    cluster: cluster.name,
    where: describeTiller(location),
    work: { plan, location, values: observed.values },
  });
}

/** Pure: the tiller backend's removal plan on a cluster that left the mesh (planTillerRemoval). */
export function planTillerRemovalOf(
  config: Pick<TillerConfig, 'namespace' | 'release' | 'timeoutMs'>,
  desired: DesiredInputs,
  observed: TillerRemovalObserved,
): TillerComponentPlan {
  const location = tillerLocation(desired.cluster.overrides, config);
  const { release } = config;
  const { observation } = observed;
  const plan = planTillerRemoval({ release: release.name, namespace: release.namespace, observation, adopt: desired.adopt, pendingLeaseMs: config.timeoutMs });
  return tillerComponentPlan(plan, { component: TILLER, cluster: desired.cluster.name, where: describeTiller(location), work: { plan, location, values: {} } });
}
