import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalInventory, inventoryMac } from './inventory-mac.js';
import { inventoryObject, readInventory } from './inventory.js';
import type { InventoryRecord } from './state.js';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);
const record: InventoryRecord = {
  release: 'istio-remote',
  hash: 'abc',
  phase: 'applied',
  objects: [
    { apiVersion: 'v1', kind: 'Service', namespace: 'istio-system', name: 'istio-pilot', uid: 'u1' },
    { apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'istio-system', name: 'istio-citadel', uid: 'u2' },
  ],
};
const edit = (data: Record<string, string>) => {
  const obj = inventoryObject('istio-system', record, key);
  return { ...obj, data: { ...(obj.data as Record<string, string>), ...data } };
};
const appsNs = JSON.stringify([...record.objects, { apiVersion: 'v1', kind: 'Namespace', name: 'apps' }]);

describe('readInventory', () => {
  const cases: { name: string; obj: Parameters<typeof readInventory>[0]; key: Buffer | undefined; trust: string; usable: boolean }[] = [
    { name: 'an inventory meshd wrote with this key is authentic', obj: inventoryObject('istio-system', record, key), key, trust: 'authentic', usable: true },
    { name: 'none at all is absent', obj: null, key, trust: 'absent', usable: false },
    { name: 'L7: an object appended to the list is tampering', obj: edit({ objects: appsNs }), key, trust: 'tampered', usable: false },
    {
      name: 'a UID swapped is tampering',
      obj: edit({ objects: JSON.stringify(record.objects.map((o) => ({ ...o, uid: 'x' }))) }),
      key,
      trust: 'tampered',
      usable: false,
    },
    { name: 'a phase edit is tampering', obj: edit({ phase: 'uninstalling' }), key, trust: 'tampered', usable: false },
    { name: 'another bastion’s key is not this one', obj: inventoryObject('istio-system', record, otherKey), key, trust: 'tampered', usable: false },
    { name: 'no MAC (an earlier meshd) is unauthenticated', obj: inventoryObject('istio-system', record), key, trust: 'unauthenticated', usable: false },
    {
      name: 'a bastion without a key yet cannot check it',
      obj: inventoryObject('istio-system', record, key),
      key: Buffer.alloc(0),
      trust: 'unauthenticated',
      usable: false,
    },
    { name: 'garbage is unreadable', obj: edit({ objects: '{' }), key, trust: 'unreadable', usable: false },
    {
      name: 'without a state directory it is used unchecked (as before the journal)',
      obj: inventoryObject('istio-system', record),
      key: undefined,
      trust: 'unchecked',
      usable: true,
    },
  ];
  it.each(cases)('$name', (c) => {
    const read = readInventory(c.obj, c.key);
    expect(read.trust).toBe(c.trust);
    expect(read.record !== undefined).toBe(c.usable);
    if (!c.usable && c.obj && c.key) expect(read.warning).toMatch(/^MESHD_ERR_INVENTORY_TAMPERED: /);
  });

  it('authenticates content, not layout: objects in another order still check', () => {
    const obj = inventoryObject('istio-system', record, key);
    const reordered = { ...obj, data: { ...(obj.data as Record<string, string>), objects: JSON.stringify([...record.objects].reverse()) } };
    expect(readInventory(reordered, key).trust).toBe('authentic');
  });
});

describe('canonicalInventory', () => {
  const objectArb = fc.record({
    apiVersion: fc.constantFrom('v1', 'apps/v1'),
    kind: fc.constantFrom('Service', 'Deployment'),
    namespace: fc.option(fc.string(), { nil: undefined }),
    name: fc.string(),
    uid: fc.option(fc.string(), { nil: undefined }),
  });
  it('changing any field of any object changes the MAC', () => {
    fc.assert(
      fc.property(fc.array(objectArb, { minLength: 1, maxLength: 5 }), fc.string({ minLength: 1 }), (objects, extra) => {
        const a: InventoryRecord = {
          ...record,
          objects: objects.map(({ namespace, uid, ...o }) => ({
            ...o,
            ...(namespace === undefined ? {} : { namespace }),
            ...(uid === undefined ? {} : { uid }),
          })),
        };
        const [first, ...rest] = a.objects;
        if (!first) return;
        const b: InventoryRecord = { ...a, objects: [{ ...first, name: first.name + extra }, ...rest] };
        expect(canonicalInventory(a) === canonicalInventory(b) || inventoryMac(key, a) !== inventoryMac(key, b)).toBe(true);
      }),
    );
  });
});

describe('an inventory with a hold', () => {
  const held: InventoryRecord = { ...record, phase: 'applying', hold: { writer: 'meshd-a', host: 'bastion', pid: 4242, until: 1_800_000_000_000 } };

  it('reads back the hold it wrote, authenticated', () => {
    expect(readInventory(inventoryObject('istio-system', held, key), key)).toEqual({ trust: 'authentic', record: held });
  });

  it('a record without a hold authenticates exactly as before holds existed (same canonical text)', () => {
    expect(canonicalInventory(record)).toBe(
      JSON.stringify(['meshd-inventory/v1', 'istio-remote', 'abc', 'applied', record.objects.map((o) => [o.apiVersion, o.kind, o.namespace, o.name, o.uid])]),
    );
  });

  const holdEdits: { name: string; hold: string }[] = [
    { name: 'a later `until`', hold: JSON.stringify({ ...held.hold, until: held.hold!.until + 1 }) },
    { name: 'another writer', hold: JSON.stringify({ ...held.hold, writer: 'meshd-b' }) },
  ];
  it.each(holdEdits)('a hold edited outside meshd ($name) is tampering', ({ hold }) => {
    const obj = inventoryObject('istio-system', held, key);
    expect(readInventory({ ...obj, data: { ...(obj.data as Record<string, string>), hold } }, key).trust).toBe('tampered');
  });

  it('a hold that is not a hold makes the inventory unreadable', () => {
    const obj = inventoryObject('istio-system', held);
    expect(readInventory({ ...obj, data: { ...(obj.data as Record<string, string>), hold: '{"writer":1}' } }, undefined).trust).toBe('unreadable');
  });
});
