// The tiller backend's state machine (pure), on core's release table: what Tiller and the cluster
// show → one release state (chooseTillerState), the one action core's NEXT_STEP gives that state, and
// the Helm 2 steps that carry the action out for what was observed (stepsOf): helm-controller's
// determine-state → action-for-state, with the same states and actions as the helm-template engine.
import { containsDesired } from '@meshd/core/plan';
import { objectKey, refOf } from '@meshd/core/kube';
import type { KubeObject } from '@meshd/core/kube';
import { NEXT_STEP } from '@meshd/core/release';
import type { ReleaseAction, ReleaseStatus } from '@meshd/core/release';
import type { ReleaseRevision } from './helm2/parse.js';
import type { ObservedTillerRelease } from './observe.js';
import type { TillerPlanInput, TillerStep } from './steps.js';

const liveOf = (input: TillerPlanInput, obj: KubeObject): KubeObject | null => input.live.get(objectKey(obj)) ?? null;

/** `Kind/name` of an object, for messages. */
export const nameOf = (obj: KubeObject): string => `${obj.kind}/${obj.metadata.name}`;

/** A state and (when meshd must not act on it: not its release, no Tiller, another client's lock) why. */
export interface TillerChoice {
  status: ReleaseStatus;
  error?: string;
}

/** A state, the one action the table gives it, and the Helm 2 steps of that action (none with an error). */
export interface Decision extends TillerChoice {
  action: ReleaseAction;
  steps: TillerStep[];
}

/** Revisions whose operation is still running in Tiller, or died with it (Tiller refuses upgrades on them). */
const PENDING: ReadonlySet<string> = new Set(['PENDING_INSTALL', 'PENDING_UPGRADE', 'PENDING_ROLLBACK']);

function refused(state: ReleaseStatus['state'], reason: string): TillerChoice {
  return { status: { state, reason }, error: reason };
}

/** absent, unless objects of the release already exist (not Tiller's: Helm 2 cannot take them over). */
function absentRelease(input: TillerPlanInput, why = 'not installed'): TillerChoice {
  const conflicts = input.desired.filter((o) => liveOf(input, o) !== null);
  if (conflicts.length === 0) return { status: { state: 'absent', reason: why } };
  const names = conflicts.slice(0, 3).map(nameOf).join(', ') + (conflicts.length > 3 ? ` and ${conflicts.length - 3} more` : '');
  return refused(
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

function inSyncOrDrifted(input: TillerPlanInput, latest: ReleaseRevision): TillerChoice {
  const missing = input.desired.filter((o) => liveOf(input, o) === null);
  const changed = changedObjects(input);
  if (missing.length + changed.length === 0) return { status: { state: 'in-sync', reason: `revision ${latest.revision} DEPLOYED; every object matches` } };
  const what = [...missing.map((o) => `${nameOf(o)} missing`), ...changed.map((o) => `${nameOf(o)} changed`)].join(', ');
  return { status: { state: 'drifted', reason: `${missing.length + changed.length} object(s) differ from revision ${latest.revision}: ${what}` } };
}

function deployed(input: TillerPlanInput, release: ObservedTillerRelease, latest: ReleaseRevision): TillerChoice {
  if (release.latestHash === input.desiredHash) return inSyncOrDrifted(input, latest);
  const reason = !release.owned
    ? 'adopting a release meshd did not install (adopt: true)'
    : release.latestHash === undefined
      ? 'upgraded outside meshd'
      : 'chart or values changed';
  return { status: { state: 'out-of-sync', reason: `${reason}; revision ${latest.revision} DEPLOYED` } };
}

/**
 * Pure: true while a PENDING_* revision is another client's operation in progress: Tiller wrote it
 * less than the lease before the observation. A revision without a readable time, or an observation
 * without a clock, is never judged live (as a hold in core's engine).
 */
export function pendingIsLive(latest: ReleaseRevision, release: ObservedTillerRelease, leaseMs: number | undefined): boolean {
  if (!PENDING.has(latest.status) || leaseMs === undefined) return false;
  if (latest.updated === undefined || release.observedAt === undefined) return false;
  return release.observedAt - latest.updated < leaseMs;
}

function lockedRelease(latest: ReleaseRevision, leaseMs: number): TillerChoice {
  const since = new Date(latest.updated ?? 0).toISOString();
  const reason = `revision ${latest.revision} is ${latest.status} since ${since}: another client's operation holds the release; nothing written (taken as interrupted ${leaseMs / 1000} s after it started)`;
  return refused('locked', reason);
}

/** The state of a release Tiller holds and meshd may act on, by its latest revision's status. */
function existing(input: TillerPlanInput, release: ObservedTillerRelease, latest: ReleaseRevision): TillerChoice {
  if (latest.status === 'DELETED') return absentRelease(input, `revision ${latest.revision} was deleted without --purge`);
  if (latest.status === 'DEPLOYED') return deployed(input, release, latest);
  if (pendingIsLive(latest, release, input.pendingLeaseMs)) return lockedRelease(latest, input.pendingLeaseMs!);
  if (PENDING.has(latest.status))
    return {
      status: {
        state: 'failed',
        reason: `revision ${latest.revision} is ${latest.status} (an operation was interrupted; Tiller refuses upgrades until it is resolved)`,
      },
    };
  if (latest.status === 'DELETING') return { status: { state: 'failed', reason: `revision ${latest.revision} is DELETING (a delete was interrupted)` } };
  return { status: { state: 'failed', reason: `revision ${latest.revision} is ${latest.status}${latest.description ? ` (${latest.description})` : ''}` } };
}

/**
 * Pure: no Tiller answered through the port-forward. With `tiller.ensure` and no Deployment
 * tiller-deploy, the release is absent (its install starts with Tiller's); otherwise no state can be
 * observed: failed, with what is missing.
 */
function tillerMissing(input: TillerPlanInput, why: string): TillerChoice {
  const namespace = tillerNamespace(input);
  const deployedTiller = input.prerequisites?.tillerDeployed;
  if (deployedTiller === false) {
    const release = absentRelease(input);
    if (release.error !== undefined) return release;
    return {
      status: { state: 'absent', reason: `Tiller is not installed in ${namespace}: installing it (helm init --service-account tiller), then the release` },
    };
  }
  const reason =
    deployedTiller === true
      ? `Deployment ${namespace}/tiller-deploy exists but helm finds no ready Tiller pod (${why})`
      : `helm found no Tiller (${why}): set tiller.ensure: true to install it, or clusters.${input.cluster}.tillerHost to reach one outside the cluster`;
  return refused('failed', reason);
}

const tillerNamespace = (input: TillerPlanInput): string => input.prerequisites?.objects[0]?.metadata.namespace ?? 'the Tiller namespace';

/** Pure: the one state the release is in, from what Tiller and the API server showed. */
export function chooseTillerState(input: TillerPlanInput): TillerChoice {
  const observation = input.observation;
  if (observation.tiller === 'missing') return tillerMissing(input, observation.reason);
  const release = observation.release;
  const latest = release?.revisions.at(-1);
  if (release === undefined || latest === undefined) return absentRelease(input);
  if (!release.owned && !input.adopt) {
    return refused(
      'unmanaged',
      `release ${input.release} exists in Tiller (revision ${latest.revision}, ${latest.status}) but meshd did not install it: its values carry no meshd.hash (set adopt: true to take it over)`,
    );
  }
  return existing(input, release, latest);
}

const deletesOf = (objects: KubeObject[]): TillerStep[] => objects.map((o) => ({ op: 'delete', ref: refOf(o) }));

/** Steps of an action, and what they do when the state's reason does not say it (appended to it). */
interface ActionSteps {
  steps: TillerStep[];
  how?: string;
}

/** install: Tiller first when it is not installed (tiller.ensure), `--replace` over a release deleted without --purge. */
function installSteps(input: TillerPlanInput): TillerStep[] {
  const observation = input.observation;
  if (observation.tiller === 'missing')
    return [
      { op: 'install-tiller', namespace: tillerNamespace(input) },
      { op: 'install', replace: false },
    ];
  return [{ op: 'install', replace: observation.release?.revisions.at(-1)?.status === 'DELETED' }];
}

/**
 * retry (a failed release): purge and install when nothing was ever deployed or a delete was cut
 * short; an interrupted operation is rolled back to the last good revision (Tiller diffs manifests,
 * not live objects: what it left behind is reset first), then upgraded if that is not what is wanted;
 * a FAILED revision is upgraded from the last good one (its changed objects reset), rolled back if that fails.
 */
function retrySteps(input: TillerPlanInput, release: ObservedTillerRelease, latest: ReleaseRevision): ActionSteps {
  const purgeInstall: ActionSteps = { steps: [{ op: 'purge' }, { op: 'install', replace: false }], how: ': purge, then install' };
  if (latest.status === 'DELETING') return purgeInstall;
  const good = release.lastGood;
  if (good === undefined) return { ...purgeInstall, how: '; no revision was ever deployed: purge, then install' };
  const resets = deletesOf(changedObjects(input));
  if (!PENDING.has(latest.status))
    return { steps: [...resets, { op: 'upgrade', rollbackTo: good.revision }], how: `; upgrading, back to revision ${good.revision} if that fails` };
  const upgrade = good.hash !== input.desiredHash;
  const steps: TillerStep[] = [
    ...resets,
    { op: 'rollback', revision: good.revision },
    ...(upgrade ? [{ op: 'upgrade' as const, rollbackTo: good.revision }] : []),
  ];
  return { steps, how: `; rolling back to revision ${good.revision}${upgrade ? ', then upgrading' : ''}` };
}

/** How each writing action is carried out with Helm 2 on an observation (none, report and wait write nothing). */
const ACTION_STEPS: Partial<Record<ReleaseAction, (input: TillerPlanInput, release: ObservedTillerRelease | undefined) => ActionSteps>> = {
  install: (input) => ({ steps: installSteps(input) }),
  upgrade: (_input, release) => ({ steps: [{ op: 'upgrade', rollbackTo: release?.revisions.at(-1)?.revision }] }),
  repair: (input, release) => ({ steps: [...deletesOf(changedObjects(input)), { op: 'upgrade', rollbackTo: release?.revisions.at(-1)?.revision }] }),
  retry: (input, release) => {
    const latest = release?.revisions.at(-1);
    return release && latest ? retrySteps(input, release, latest) : { steps: [] };
  },
  uninstall: () => ({ steps: [{ op: 'purge' }] }),
};

/** Pure: the Helm 2 steps that carry `action` out on this observation (only the actions that write have any). */
function stepsOf(action: ReleaseAction, input: TillerPlanInput): ActionSteps {
  const release = input.observation.tiller === 'found' ? input.observation.release : undefined;
  return ACTION_STEPS[action]?.(input, release) ?? { steps: [] };
}

/** Pure: the release's state, the one action core's table gives it, and that action's steps. */
export function decideRelease(input: TillerPlanInput): Decision {
  const choice = chooseTillerState(input);
  const action = NEXT_STEP[choice.status.state];
  if (choice.error !== undefined) return { ...choice, action, steps: [] };
  const { steps, how } = stepsOf(action, input);
  const status = how === undefined ? choice.status : { ...choice.status, reason: choice.status.reason + how };
  return { status, action, steps };
}
