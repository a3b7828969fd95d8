import type { KubernetesObject } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '@meshd/core';
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

interface PodLike extends KubernetesObject {
  status?: { podIP?: string; phase?: string; conditions?: { type?: string; status?: string }[] };
}

/** What of a control-plane pod matters to the remotes: its identity, IP, phase and readiness. Pure. */
export function podEndpointSummary(pod: PodLike): string {
  const labels = pod.metadata?.labels ?? {};
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  const deleting = pod.metadata?.deletionTimestamp !== undefined;
  return [labels.istio ?? '', labels['istio-mixer-type'] ?? '', pod.status?.podIP ?? '', pod.status?.phase ?? '', ready, deleting].join('|');
}

/**
 * A stateful filter for control-plane pod events: true only when a pod appears, disappears, or its
 * endpoint summary (IP, phase, readiness) changes — not for status heartbeats. One per watch.
 */
export function podEndpointChangeFilter(): (event: WatchEvent) => boolean {
  const seen = new Map<string, string>();
  return (event) => {
    const key = `${event.object.metadata?.namespace ?? ''}/${event.object.metadata?.name ?? ''}`;
    if (event.type === 'DELETED') {
      seen.delete(key);
      return true;
    }
    const summary = podEndpointSummary(event.object);
    const changed = seen.get(key) !== summary;
    seen.set(key, summary);
    return changed;
  };
}
