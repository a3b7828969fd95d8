import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import { inventoryMac, verifyInventoryMac } from './inventory-mac.js';
import type { InventoryObject, InventoryRecord, ReleaseHold } from './state.js';

/** Label marking a release inventory ConfigMap. */
export const INVENTORY_LABEL = 'meshd.io/inventory';

/** Name of the inventory ConfigMap of a release. */
export function inventoryName(release: string): string {
  return `meshd-release-${release}`;
}

/**
 * Pure: the ConfigMap that stores an inventory record in the release namespace. With the bastion's
 * inventory key, `data.mac` authenticates its content (HMAC-SHA256 over canonicalInventory).
 */
export function inventoryObject(namespace: string, record: InventoryRecord, key?: Buffer): KubeObject {
  const data: Record<string, string> = {
    release: record.release,
    hash: record.hash,
    phase: record.phase,
    objects: JSON.stringify(record.objects),
  };
  if (record.hold !== undefined) data.hold = JSON.stringify(record.hold);
  if (key !== undefined && key.length > 0) data.mac = inventoryMac(key, record);
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(record.release),
      namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INVENTORY_LABEL]: 'true' },
    },
    data,
  };
}

function isInventoryObject(x: unknown): x is InventoryObject {
  if (x === null || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  const optional = (v: unknown): boolean => v === undefined || typeof v === 'string';
  return typeof r.apiVersion === 'string' && typeof r.kind === 'string' && typeof r.name === 'string' && optional(r.namespace) && optional(r.uid);
}

/** Pure: reads an inventory back without authenticating it; undefined when the object is not a readable inventory. */
export function parseInventory(obj: KubeObject | null | undefined): InventoryRecord | undefined {
  const data = (obj?.data ?? {}) as Record<string, unknown>;
  const { release, hash, phase, objects } = data;
  if (typeof release !== 'string' || typeof hash !== 'string' || typeof objects !== 'string') return undefined;
  if (!isInventoryPhase(phase)) return undefined;
  const refs = parseInventoryObjects(objects);
  const hold = parseHold(data.hold);
  if (refs === undefined || hold === null) return undefined;
  return hold === undefined ? { release, hash, phase, objects: refs } : { release, hash, phase, objects: refs, hold };
}

function isHold(x: unknown): x is ReleaseHold {
  if (x === null || typeof x !== 'object') return false;
  const h = x as Record<string, unknown>;
  return typeof h.writer === 'string' && typeof h.host === 'string' && Number.isSafeInteger(h.pid) && Number.isSafeInteger(h.until);
}

/** An inventory's hold (JSON text): undefined when there is none, null when it is there but not a hold. */
function parseHold(text: unknown): ReleaseHold | undefined | null {
  if (text === undefined) return undefined;
  if (typeof text !== 'string') return null;
  let hold: unknown;
  try {
    hold = JSON.parse(text);
  } catch {
    return null;
  }
  return isHold(hold) ? { writer: hold.writer, host: hold.host, pid: hold.pid, until: hold.until } : null;
}

function isInventoryPhase(phase: unknown): phase is InventoryRecord['phase'] {
  return phase === 'applying' || phase === 'applied' || phase === 'uninstalling';
}

/** The object list of an inventory (JSON text); undefined when it is not JSON or not a list of object refs. */
function parseInventoryObjects(objects: string): InventoryObject[] | undefined {
  let refs: unknown;
  try {
    refs = JSON.parse(objects);
  } catch {
    return undefined;
  }
  return Array.isArray(refs) && refs.every(isInventoryObject) ? refs : undefined;
}

/**
 * How far an inventory read from a cluster can be believed: `authentic` (its MAC checks under this
 * bastion's key), `unchecked` (no state directory, so no key: trusted as before the journal),
 * `absent`, or not trusted at all: `unauthenticated` (no MAC: an earlier meshd, or none), `tampered`
 * (the MAC does not match: edited, or written by another bastion) and `unreadable`.
 */
export type InventoryTrust = 'authentic' | 'unchecked' | 'absent' | 'unauthenticated' | 'tampered' | 'unreadable';

/** An inventory as observed: its record only when it may be used, else why not. */
export interface ObservedInventory {
  trust: InventoryTrust;
  /** Set for `authentic` and `unchecked` only: nothing else from the cluster is used. */
  record?: InventoryRecord;
  /** For a distrusted inventory: the MESHD_ERR_INVENTORY_TAMPERED message to report. */
  warning?: string;
}

function distrusted(trust: InventoryTrust, name: string, why: string): ObservedInventory {
  return {
    trust,
    warning: `MESHD_ERR_INVENTORY_TAMPERED: inventory ConfigMap ${name} ${why}: ignored (the journal on the bastion decides what meshd deletes; the inventory is rewritten)`,
  };
}

/**
 * Pure: reads and authenticates an inventory. `key` undefined: there is no state directory, the
 * record is used unchecked (label-only ownership, as before). Otherwise only an inventory whose MAC
 * checks is used; any other is reported and ignored — it never decides a deletion.
 */
export function readInventory(obj: KubeObject | null | undefined, key: Buffer | undefined): ObservedInventory {
  if (obj === null || obj === undefined) return { trust: 'absent' };
  const record = parseInventory(obj);
  const name = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  if (key === undefined) return record ? { trust: 'unchecked', record } : { trust: 'unreadable' };
  if (!record) return distrusted('unreadable', name, 'is not a readable inventory');
  return authenticated(obj, record, { key, name });
}

/** A readable inventory checked against the bastion's key: authentic only when its MAC verifies. */
function authenticated(obj: KubeObject, record: InventoryRecord, { key, name }: { key: Buffer; name: string }): ObservedInventory {
  const mac = (obj.data as Record<string, unknown> | undefined)?.mac;
  if (key.length === 0) return distrusted('unauthenticated', name, 'cannot be checked (this bastion has no inventory key yet)');
  if (typeof mac !== 'string') return distrusted('unauthenticated', name, 'carries no MAC (written by an earlier meshd or by hand)');
  if (!verifyInventoryMac(key, record, mac)) return distrusted('tampered', name, 'fails authentication (edited outside meshd, or written by another bastion)');
  return { trust: 'authentic', record };
}
