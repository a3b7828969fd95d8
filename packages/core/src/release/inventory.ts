import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import type { ObjectRef } from '../plan/objects.js';
import type { InventoryRecord } from './state.js';

/** Label marking a release inventory ConfigMap. */
export const INVENTORY_LABEL = 'meshd.io/inventory';

/** Name of the inventory ConfigMap of a release. */
export function inventoryName(release: string): string {
  return `meshd-release-${release}`;
}

/** Pure: the ConfigMap that stores an inventory record in the release namespace. */
export function inventoryObject(namespace: string, record: InventoryRecord): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(record.release),
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INVENTORY_LABEL]: 'true' },
    },
    data: {
      release: record.release,
      hash: record.hash,
      phase: record.phase,
      objects: JSON.stringify(record.objects),
    },
  };
}

function isRef(x: unknown): x is ObjectRef {
  if (x === null || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  return typeof r.apiVersion === 'string' && typeof r.kind === 'string' && typeof r.name === 'string' && (r.namespace === undefined || typeof r.namespace === 'string');
}

/** Pure: reads an inventory back; undefined when the object is not a readable inventory. */
export function parseInventory(obj: KubeObject | null | undefined): InventoryRecord | undefined {
  const data = (obj?.data ?? {}) as Record<string, unknown>;
  const { release, hash, phase, objects } = data;
  if (typeof release !== 'string' || typeof hash !== 'string' || typeof objects !== 'string') return undefined;
  if (phase !== 'applying' && phase !== 'applied' && phase !== 'uninstalling') return undefined;
  let refs: unknown;
  try {
    refs = JSON.parse(objects);
  } catch {
    return undefined;
  }
  if (!Array.isArray(refs) || !refs.every(isRef)) return undefined;
  return { release, hash, phase, objects: refs };
}
