import type { KubeObject } from '../kube/object.js';
import { isOwned } from '../plan/objects.js';
import type { ObjectAction } from '../plan/objects.js';
import type { PlannedChange } from '../plugin/types.js';
import { MULTICLUSTER_SECRET_LABEL, REGISTRY_CONFIGMAP } from './desired.js';

function keysOf(data: unknown): string[] {
  return data !== null && typeof data === 'object' ? Object.keys(data) : [];
}

/** Pure: keys of the live registry ConfigMap that meshd did not publish (data and binaryData). */
export function foreignConfigMapKeys(live: KubeObject | null | undefined, desired: KubeObject): string[] {
  if (!live) return [];
  const wanted = new Set(keysOf(desired.data));
  return [...keysOf(live.data).filter((k) => !wanted.has(k)), ...keysOf((live as { binaryData?: unknown }).binaryData)].sort();
}

/**
 * Pure: meshd owns the whole registry ConfigMap (configmap mode). When it holds keys meshd did not
 * publish, the action becomes a full replace (PUT) that drops them — server-side apply alone would
 * leave another field manager's keys in place — and the change names them.
 */
export function ownWholeConfigMap(action: ObjectAction, live: KubeObject | null | undefined): ObjectAction {
  if (action.ref.kind !== 'ConfigMap' || action.ref.name !== REGISTRY_CONFIGMAP || !action.desired || action.op === 'conflict') return action;
  if (!live || !isOwned(live)) return action;
  const foreign = foreignConfigMapKeys(live, action.desired);
  if (foreign.length === 0) return action;
  const diff = [...(action.diff ?? []), ...foreign.map((k) => `data.${k} (not published by meshd: removed)`)];
  return { ...action, op: 'update', replace: true, reason: `removing keys meshd did not publish: ${foreign.join(', ')}`, diff };
}

/**
 * Pure: Secrets labelled for Pilot (istio/multiCluster) that meshd did not publish: not meshd's,
 * or named after no cluster meshd knows. They are reported and otherwise left alone (never read,
 * never deleted) unless `adopt`.
 */
export function foreignRegistrySecrets(labelled: readonly KubeObject[], known: ReadonlySet<string>): KubeObject[] {
  return labelled.filter((s) => s.metadata.labels?.[MULTICLUSTER_SECRET_LABEL] !== undefined && !(isOwned(s) && known.has(s.metadata.name)));
}

/** The plan lines of foreign registry Secrets (op orphan: nothing is written). */
export function foreignSecretChanges(foreign: readonly KubeObject[]): PlannedChange[] {
  return foreign.map((s) => {
    const change: PlannedChange = {
      op: 'orphan',
      kind: 'Secret',
      name: s.metadata.name,
      detail: ['labelled istio/multiCluster but not published by meshd: left alone'],
    };
    if (s.metadata.namespace !== undefined) change.namespace = s.metadata.namespace;
    return change;
  });
}
