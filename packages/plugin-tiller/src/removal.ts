import type { TillerObservation } from './observe.js';
import type { TillerPlan } from './steps.js';

/** Everything planTillerRemoval looks at; pure data. */
export interface TillerRemovalInput {
  release: string;
  namespace: string;
  observation: TillerObservation;
  adopt: boolean;
}

/**
 * Pure: removing the release from a cluster that left the mesh. `helm delete --purge` when meshd
 * installed it (or adopt is on); a release meshd did not install is left in place (no error: meshd
 * has nothing of its own there); no Tiller is an error, never taken for "nothing installed".
 */
export function planTillerRemoval(input: TillerRemovalInput): TillerPlan {
  const base = { release: input.release, namespace: input.namespace, desiredHash: '', objectChanges: [] };
  const observation = input.observation;
  if (observation.tiller === 'missing') {
    const reason = `cannot observe the release: helm found no Tiller (${observation.reason})`;
    return { ...base, revision: 0, status: { state: 'failed', reason }, steps: [], error: reason };
  }
  const latest = observation.release?.revisions.at(-1);
  if (observation.release === undefined || latest === undefined)
    return { ...base, revision: 0, status: { state: 'absent', reason: 'nothing installed' }, steps: [] };
  if (!observation.release.owned && !input.adopt) {
    const reason = `release ${input.release} in Tiller was not installed by meshd: left in place`;
    return { ...base, revision: latest.revision, status: { state: 'unmanaged', reason }, steps: [] };
  }
  const reason = `its descriptor was removed (revision ${latest.revision} ${latest.status}): helm delete --purge`;
  return { ...base, revision: latest.revision, status: { state: 'removed', reason }, steps: [{ op: 'purge' }] };
}
