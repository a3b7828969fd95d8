import type { KubeObject, ObjectRef } from '@meshd/core/kube';
import type { ReleaseAction, ReleaseStatus } from '@meshd/core/release';
import type { TillerObservation } from './observe.js';
import type { ObservedPrerequisites } from './prerequisites.js';

/**
 * One step of a Tiller release plan, carried out in order by executeTillerPlan. The planner decides
 * the steps; the executor only runs them.
 */
export type TillerStep =
  /** Create a Tiller prerequisite (ServiceAccount, ClusterRoleBinding) that is absent. */
  | { op: 'create'; object: KubeObject }
  /** `helm init --service-account tiller`: deploy Tiller in its namespace and wait for it. */
  | { op: 'install-tiller'; namespace: string }
  /** Delete an object of the release that was changed on the cluster; the following upgrade re-creates it. */
  | { op: 'delete'; ref: ObjectRef }
  | { op: 'rollback'; revision: number }
  | { op: 'purge' }
  /** `helm install`; `replace` re-uses the name of a DELETED or FAILED release. */
  | { op: 'install'; replace: boolean }
  /** `helm upgrade`; when it fails and `rollbackTo` is set, roll back to that revision (and still report the failure). */
  | { op: 'upgrade'; rollbackTo?: number };

/** A Tiller release's plan on one cluster. Pure data. */
export interface TillerPlan {
  release: string;
  namespace: string;
  status: ReleaseStatus;
  /** The one action core's table (NEXT_STEP) gives the state; `steps` are how Helm 2 carries it out here. */
  action: ReleaseAction;
  /** Hash of the rendered objects and values (recorded in the release as `meshd.hash`); '' for removals. */
  desiredHash: string;
  /** Latest revision Tiller holds (0 when none). */
  revision: number;
  steps: TillerStep[];
  /** Why meshd must not proceed (a release or objects it does not own, no Tiller); no step runs. */
  error?: string;
  /** Per-object effects the steps will have, for display ("changes Endpoints/istio-pilot"). */
  objectChanges: string[];
}

/** Everything planTillerRelease looks at; pure data. */
export interface TillerPlanInput {
  cluster: string;
  release: string;
  namespace: string;
  desiredHash: string;
  /** The objects Helm 2 renders for the release. */
  desired: readonly KubeObject[];
  /** Those objects as live on the cluster, by objectKey (null: absent). */
  live: ReadonlyMap<string, KubeObject | null>;
  observation: TillerObservation;
  /** Observed only with `tiller.ensure`. */
  prerequisites?: ObservedPrerequisites | undefined;
  adopt: boolean;
  /**
   * How long (ms) a PENDING_* revision counts as another client's operation in progress (`locked`:
   * nothing written) after Tiller wrote it; older, that operation is taken as dead (`failed`: retried).
   * The backend passes tiller.timeout, the longest one Helm 2 operation may take. Undefined: never locked.
   */
  pendingLeaseMs?: number;
}
