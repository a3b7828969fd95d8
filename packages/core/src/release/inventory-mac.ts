import { createHmac, timingSafeEqual } from 'node:crypto';
import { refKey } from '../kube/object.js';
import type { InventoryRecord } from './state.js';

/**
 * Pure: the canonical text of an inventory's content — release, hash, phase and every object
 * (apiVersion, kind, namespace, name, uid) sorted by key, keys in fixed order, and the hold when
 * there is one — so that the same record always authenticates the same way, however its JSON was laid out.
 */
export function canonicalInventory(record: InventoryRecord): string {
  const objects = [...record.objects]
    .sort((a, b) => (refKey(a) < refKey(b) ? -1 : refKey(a) > refKey(b) ? 1 : 0))
    .map((o) => [o.apiVersion, o.kind, o.namespace ?? '', o.name, o.uid ?? '']);
  const content: unknown[] = ['meshd-inventory/v1', record.release, record.hash, record.phase, objects];
  // A hold (pending phases only) is authenticated too; a record without one reads exactly as before holds existed.
  const { hold } = record;
  if (hold !== undefined) content.push([hold.writer, hold.host, hold.pid, hold.until]);
  return JSON.stringify(content);
}

/** Pure: HMAC-SHA256 (hex) of an inventory's canonical content under the bastion's inventory key. */
export function inventoryMac(key: Buffer, record: InventoryRecord): string {
  return createHmac('sha256', key).update(canonicalInventory(record)).digest('hex');
}

/** Pure: true when `mac` authenticates `record` under `key` (constant-time comparison). */
export function verifyInventoryMac(key: Buffer, record: InventoryRecord, mac: string): boolean {
  const expected = Buffer.from(inventoryMac(key, record), 'hex');
  const given = Buffer.from(mac, 'hex');
  return key.length > 0 && given.length === expected.length && timingSafeEqual(given, expected);
}
