import type { KubernetesObject } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '@meshd/core/kube';
import { isEligiblePod, type ControlPlaneComponent } from '@meshd/core/discovery';
import type { WatchEvent } from './informers.js';

interface ManagedFieldsEntry {
  manager?: string;
  time?: string | Date;
}

function timeOf(entry: ManagedFieldsEntry): number {
  const t = entry.time instanceof Date ? entry.time.getTime() : Date.parse(entry.time ?? '');
  return Number.isFinite(t) ? t : 0;
}

/**
 * True when the latest write to an object (by managedFields time) was meshd's own server-side apply,
 * so the event is the echo of a reconcile, not drift. Seconds resolution: when another manager wrote
 * in the same second, it counts as drift (re-planning costs a no-op reconcile, missing drift costs more).
 * Pure.
 */
export function isOwnWrite(obj: KubernetesObject): boolean {
  const entries = ((obj.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields ?? []).filter((e) => e.manager !== undefined);
  if (entries.length === 0) return false;
  const latest = Math.max(...entries.map(timeOf));
  return entries.filter((e) => timeOf(e) === latest).every((e) => e.manager === FIELD_MANAGER);
}

/** A drift event is every deletion, and any other change not written by meshd itself. Pure. */
export function isDrift(event: WatchEvent): boolean {
  return event.type === 'DELETED' || !isOwnWrite(event.object);
}

/** What a watch knew before an event: its objects by `namespace/name`. */
export type KnownObjects = ReadonlyMap<string, KubernetesObject>;

/** Which control-plane component a pod serves (by the selectors discovery uses), or undefined. */
function componentOf(pod: KubernetesObject): ControlPlaneComponent | undefined {
  const labels = pod.metadata?.labels ?? {};
  if (labels.istio === 'pilot') return 'pilot';
  if (labels.istio === 'mixer' && labels['istio-mixer-type'] === 'policy') return 'policy';
  if (labels.istio === 'statsd-prom-bridge') return 'statsd';
  return undefined;
}

/** A pod discovery could choose: the component it serves and its IP. */
interface Candidate {
  component: ControlPlaneComponent;
  ip: string;
}

/** A pod as discovery sees it: serving `component` at `ip`, or not a candidate (undefined). */
function candidateOf(pod: KubernetesObject | undefined): Candidate | undefined {
  if (!pod || !isEligiblePod(pod)) return undefined;
  const component = componentOf(pod);
  const ip = (pod as V1Pod).status?.podIP;
  return component && ip ? { component, ip } : undefined;
}

const podKey = (pod: KubernetesObject): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

/**
 * Whether a control-plane pod event can change the endpoints discovery chooses (choosePod: a
 * chosen pod stays chosen while it is eligible; otherwise the oldest eligible one). Decided from the
 * watch's own objects before the event (`known`), not from any earlier pass:
 * - a pod that was a candidate (Running, Ready, with an IP, not terminating) stops being one, or
 *   changes IP or component: relevant (it may be the chosen one);
 * - a pod becomes a candidate: relevant only when its component had no other candidate (nothing
 *   was chosen); with another one serving, the choice stays where it is;
 * - anything else (a pending pod appearing, a terminating one going, status heartbeats, Mixer's
 *   telemetry pods): not relevant.
 * A Pilot move (new pod Ready, then the old one deleted) is thus one change, at the old pod's
 * deletion, and one pass. Pure.
 */
export function endpointChoiceChanged(event: WatchEvent, known: KnownObjects): boolean {
  const key = podKey(event.object);
  const before = candidateOf(known.get(key));
  const after = event.type === 'DELETED' ? undefined : candidateOf(event.object);
  if (before) return !sameCandidate(before, after);
  if (!after) return false;
  return !otherCandidateServes(known, key, after.component);
}

/** Whether a pod that was a candidate still is one, with the same component and IP. */
function sameCandidate(before: Candidate, after: Candidate | undefined): boolean {
  return after !== undefined && after.component === before.component && after.ip === before.ip;
}

/** Whether a pod other than the one at `key` is a candidate serving `component`. */
function otherCandidateServes(known: KnownObjects, key: string, component: ControlPlaneComponent): boolean {
  for (const [otherKey, other] of known) if (otherKey !== key && candidateOf(other)?.component === component) return true;
  return false;
}
