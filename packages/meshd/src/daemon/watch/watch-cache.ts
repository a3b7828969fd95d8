import type { KubernetesObject } from '@kubernetes/client-node';

/** The part of a Pod's status the daemon reads from a watch's cache (pod-readiness, watch-filters). */
interface CachedPodStatus {
  phase?: string;
  podIP?: string;
  conditions?: { type: string; status: string }[];
}

/** A cached object: identity, version, labels, creation and deletion marks and, for a Pod, its serving state. */
export interface CachedObject extends KubernetesObject {
  status?: CachedPodStatus;
}

function podStatusOf(obj: KubernetesObject): CachedPodStatus | undefined {
  const status = (obj as { status?: { phase?: unknown; podIP?: unknown; conditions?: unknown } }).status;
  if (!status || typeof status !== 'object') return undefined;
  const out: CachedPodStatus = {};
  if (typeof status.phase === 'string') out.phase = status.phase;
  if (typeof status.podIP === 'string') out.podIP = status.podIP;
  if (Array.isArray(status.conditions)) {
    out.conditions = (status.conditions as unknown[]).flatMap((c) => {
      const { type, status: value } = (c ?? {}) as { type?: unknown; status?: unknown };
      return typeof type === 'string' && typeof value === 'string' ? [{ type, status: value }] : [];
    });
  }
  return out;
}

/** The metadata fields a cached object keeps. */
const KEPT_METADATA = ['name', 'namespace', 'uid', 'resourceVersion', 'labels', 'deletionTimestamp', 'creationTimestamp'] as const;

/**
 * What a watch keeps of an object between events: what its relists compare (namespace, name,
 * resourceVersion), what event filters read from what the watch knew (labels, deletionTimestamp,
 * a Pod's phase, IP and conditions), what discovery reads from the control plane's pod cache
 * (those, and creationTimestamp: the oldest eligible pod is chosen), and nothing else. A daemon at hundreds of clusters holds
 * thousands of these; whole objects would keep managedFields, annotations, Secret data and
 * inventories for nothing. Events still carry whole objects. Pure.
 */
export function cachedForm(obj: KubernetesObject): CachedObject {
  const m = (obj.metadata ?? {}) as Record<string, unknown>;
  const metadata: Record<string, unknown> = {};
  for (const key of KEPT_METADATA) if (m[key] !== undefined) metadata[key] = m[key];
  const cached: CachedObject = { metadata: metadata };
  if (obj.apiVersion !== undefined) cached.apiVersion = obj.apiVersion;
  if (obj.kind !== undefined) cached.kind = obj.kind;
  const status = obj.kind === 'Pod' ? podStatusOf(obj) : undefined;
  if (status) cached.status = status;
  return cached;
}
