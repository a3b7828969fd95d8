// The tiller backend's state machine (pure): what Tiller and the cluster show → one release state
// and the one sequence of steps it leads to (helm-controller's determine-state → next-action).
import { containsDesired } from '@meshd/core/plan';
import { objectKey, refOf } from '@meshd/core/kube';
import type { KubeObject } from '@meshd/core/kube';
import type { ReleaseStatus } from '@meshd/core/release';
import type { ReleaseRevision } from './helm2/parse.js';
import type { ObservedTillerRelease } from './observe.js';
import type { TillerPlanInput, TillerStep } from './steps.js';

const liveOf = (input: TillerPlanInput, obj: KubeObject): KubeObject | null => input.live.get(objectKey(obj)) ?? null;

/** `Kind/name` of an object, for messages. */
export const nameOf = (obj: KubeObject): string => `${obj.kind}/${obj.metadata.name}`;

/** A state, the steps it leads to, and (when meshd must not act) why. */
export interface Decision {
  status: ReleaseStatus;
  steps: TillerStep[];
  error?: string;
}

function blocked(state: ReleaseStatus['state'], reason: string): Decision {
  return { status: { state, reason }, steps: [], error: reason };
}

/**
 * absent: install, unless objects of the release already exist (not Tiller's: Helm 2 cannot take them
 * over). A release another backend installed is uninstalled by core before this plan (a backend switch).
 */
function absentRelease(input: TillerPlanInput, replace: boolean, why = 'not installed'): Decision {
  const conflicts = input.desired.filter((o) => liveOf(input, o) !== null);
  if (conflicts.length === 0) return { status: { state: 'absent', reason: why }, steps: [{ op: 'install', replace }] };
  const names = conflicts.slice(0, 3).map(nameOf).join(', ') + (conflicts.length > 3 ? ` and ${conflicts.length - 3} more` : '');
  return blocked(
    'unmanaged',
    `${names} already exist(s) outside Tiller release ${input.release}: Helm 2 cannot take objects over (delete them, or remove what installed them)`,
  );
}

/** Objects whose live state contradicts the render: deleted first, so the next helm step re-creates them. */
function changedObjects(input: TillerPlanInput): KubeObject[] {
  return input.desired.filter((o) => {
    const live = liveOf(input, o);
    return live !== null && !containsDesired(live, o);
  });
}

const deletesOf = (objects: KubeObject[]): TillerStep[] => objects.map((o) => ({ op: 'delete', ref: refOf(o) }));

function inSyncOrDrifted(input: TillerPlanInput, latest: ReleaseRevision): Decision {
  const missing = input.desired.filter((o) => liveOf(input, o) === null);
  const changed = changedObjects(input);
  if (missing.length + changed.length === 0)
    return { status: { state: 'in-sync', reason: `revision ${latest.revision} DEPLOYED; every object matches` }, steps: [] };
  const what = [...missing.map((o) => `${nameOf(o)} missing`), ...changed.map((o) => `${nameOf(o)} changed`)].join(', ');
  const reason = `${missing.length + changed.length} object(s) differ from revision ${latest.revision}: ${what}`;
  return { status: { state: 'drifted', reason }, steps: [...deletesOf(changed), { op: 'upgrade', rollbackTo: latest.revision }] };
}

function interrupted(input: TillerPlanInput, release: ObservedTillerRelease, latest: ReleaseRevision): Decision {
  const reason = `revision ${latest.revision} is ${latest.status} (an operation was interrupted; Tiller refuses upgrades until it is resolved)`;
  const good = release.lastGood;
  if (good === undefined)
    return {
      status: { state: 'failed', reason: `${reason}; no revision was ever deployed: purge, then install` },
      steps: [{ op: 'purge' }, { op: 'install', replace: false }],
    };
  // Tiller diffs manifests, not live objects: what the interrupted operation left behind is reset.
  const steps: TillerStep[] = [...deletesOf(changedObjects(input)), { op: 'rollback', revision: good.revision }];
  if (good.hash !== input.desiredHash) steps.push({ op: 'upgrade', rollbackTo: good.revision });
  const then = good.hash !== input.desiredHash ? ', then upgrading' : '';
  return { status: { state: 'failed', reason: `${reason}; rolling back to revision ${good.revision}${then}` }, steps };
}

function failed(input: TillerPlanInput, release: ObservedTillerRelease, latest: ReleaseRevision): Decision {
  const reason = `revision ${latest.revision} is ${latest.status}${latest.description ? ` (${latest.description})` : ''}`;
  const good = release.lastGood;
  if (good === undefined)
    return {
      status: { state: 'failed', reason: `${reason}; no revision was ever deployed: purge, then install` },
      steps: [{ op: 'purge' }, { op: 'install', replace: false }],
    };
  // Tiller upgrades from the last DEPLOYED manifest, blind to what the failed revision changed: reset those objects.
  const steps: TillerStep[] = [...deletesOf(changedObjects(input)), { op: 'upgrade', rollbackTo: good.revision }];
  return { status: { state: 'failed', reason: `${reason}; upgrading, back to revision ${good.revision} if that fails` }, steps };
}

function existing(input: TillerPlanInput, release: ObservedTillerRelease, latest: ReleaseRevision): Decision {
  switch (latest.status) {
    case 'DELETED':
      return absentRelease(input, true, `revision ${latest.revision} was deleted without --purge`);
    case 'DEPLOYED': {
      if (release.latestHash === input.desiredHash) return inSyncOrDrifted(input, latest);
      const reason = !release.owned
        ? 'adopting a release meshd did not install (adopt: true)'
        : release.latestHash === undefined
          ? 'upgraded outside meshd'
          : 'chart or values changed';
      return {
        status: { state: 'out-of-sync', reason: `${reason}; revision ${latest.revision} DEPLOYED` },
        steps: [{ op: 'upgrade', rollbackTo: latest.revision }],
      };
    }
    case 'PENDING_INSTALL':
    case 'PENDING_UPGRADE':
    case 'PENDING_ROLLBACK':
      return interrupted(input, release, latest);
    case 'DELETING':
      return {
        status: { state: 'failed', reason: `revision ${latest.revision} is DELETING (a delete was interrupted): purge, then install` },
        steps: [{ op: 'purge' }, { op: 'install', replace: false }],
      };
    default:
      return failed(input, release, latest);
  }
}

/** Pure: the release's state and the one sequence of steps it leads to. */
export function decideRelease(input: TillerPlanInput): Decision {
  const observation = input.observation;
  if (observation.tiller === 'missing') return tillerMissing(input, observation.reason);
  const release = observation.release;
  const latest = release?.revisions.at(-1);
  if (release === undefined || latest === undefined) return absentRelease(input, false);
  if (!release.owned && !input.adopt) {
    return blocked(
      'unmanaged',
      `release ${input.release} exists in Tiller (revision ${latest.revision}, ${latest.status}) but meshd did not install it: its values carry no meshd.hash (set adopt: true to take it over)`,
    );
  }
  return existing(input, release, latest);
}

/**
 * Pure: no Tiller answered through the port-forward. With `tiller.ensure` and no Deployment
 * tiller-deploy, install Tiller then the release; otherwise report what is missing.
 */
function tillerMissing(input: TillerPlanInput, why: string): Decision {
  const namespace = input.prerequisites?.objects[0]?.metadata.namespace ?? 'the Tiller namespace';
  const deployed = input.prerequisites?.tillerDeployed;
  if (deployed === false) {
    const release = absentRelease(input, false);
    if (release.error !== undefined) return release;
    const reason = `Tiller is not installed in ${namespace}: installing it (helm init --service-account tiller), then the release`;
    return { status: { state: 'absent', reason }, steps: [{ op: 'install-tiller', namespace }, ...release.steps] };
  }
  const reason =
    deployed === true
      ? `Deployment ${namespace}/tiller-deploy exists but helm finds no ready Tiller pod (${why})`
      : `helm found no Tiller (${why}): set tiller.ensure: true to install it, or clusters.${input.cluster}.tillerHost to reach one outside the cluster`;
  return { status: { state: 'failed', reason }, steps: [], error: reason };
}
