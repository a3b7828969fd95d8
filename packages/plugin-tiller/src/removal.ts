import { NEXT_STEP } from '@meshd/core/release';
import type { ReleaseStatus } from '@meshd/core/release';
import { pendingIsLive } from './decide.js';
import type { TillerObservation } from './observe.js';
import type { TillerPlan } from './steps.js';

/** Everything planTillerRemoval looks at; pure data. */
export interface TillerRemovalInput {
  release: string;
  namespace: string;
  observation: TillerObservation;
  adopt: boolean;
  /** As TillerPlanInput.pendingLeaseMs: a PENDING_* revision younger than this is another client's operation (locked). */
  pendingLeaseMs?: number;
}

/** The removal's state with what it may not do (error) and the revision it saw. */
interface RemovalChoice {
  status: ReleaseStatus;
  revision: number;
  error?: string;
}

/** Pure: the one state of a release no longer wanted, on core's table (as the engine's planUninstall). */
function chooseRemovalState(input: TillerRemovalInput): RemovalChoice {
  const observation = input.observation;
  if (observation.tiller === 'missing') {
    const reason = `cannot observe the release: helm found no Tiller (${observation.reason})`;
    return { revision: 0, status: { state: 'failed', reason }, error: reason };
  }
  const release = observation.release;
  const latest = release?.revisions.at(-1);
  if (release === undefined || latest === undefined) return { revision: 0, status: { state: 'in-sync', reason: 'nothing installed' } };
  if (!release.owned && !input.adopt) {
    const reason = `release ${input.release} in Tiller was not installed by meshd: left in place`;
    return { revision: latest.revision, status: { state: 'unmanaged', reason } };
  }
  if (pendingIsLive(latest, release, input.pendingLeaseMs)) {
    const reason = `revision ${latest.revision} is ${latest.status}: another client's operation holds the release; nothing deleted`;
    return { revision: latest.revision, status: { state: 'locked', reason }, error: reason };
  }
  const reason = `its descriptor was removed (revision ${latest.revision} ${latest.status}): helm delete --purge`;
  return { revision: latest.revision, status: { state: 'removed', reason } };
}

/**
 * Pure: removing the release from a cluster that left the mesh, on core's table: `removed` →
 * uninstall (`helm delete --purge`) when meshd installed it (or adopt is on); nothing installed →
 * `in-sync`; a release meshd did not install → `unmanaged`, left in place (no error: meshd has nothing
 * of its own there); another client's operation in progress → `locked`, nothing deleted; no Tiller
 * is an error (`failed`), never taken for "nothing installed".
 */
export function planTillerRemoval(input: TillerRemovalInput): TillerPlan {
  const { status, revision, error } = chooseRemovalState(input);
  const action = NEXT_STEP[status.state];
  const plan: TillerPlan = {
    release: input.release,
    namespace: input.namespace,
    desiredHash: '',
    objectChanges: [],
    revision,
    status,
    action,
    steps: action === 'uninstall' && error === undefined ? [{ op: 'purge' }] : [],
  };
  if (error !== undefined) plan.error = error;
  return plan;
}
