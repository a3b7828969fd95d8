import { describe, expect, it } from 'vitest';
import type { ObjectAction } from '../plan/objects.js';
import { NEXT_STEP, releaseState } from './state.js';
import type { InventoryRecord } from './state.js';
import { inventoryObject, parseInventory } from './inventory.js';

const act = (op: ObjectAction['op']): ObjectAction => ({ op, key: 'k', ref: { apiVersion: 'v1', kind: 'Service', name: 's' }, reason: 'r' });
const inv = (hash: string, phase: InventoryRecord['phase'] = 'applied'): InventoryRecord => ({ release: 'istio-remote', hash, phase, objects: [] });

describe('releaseState', () => {
  const cases: { name: string; inventory: InventoryRecord | undefined; actions: ObjectAction[]; state: string; step: string }[] = [
    { name: 'nothing installed', inventory: undefined, actions: [act('create'), act('create')], state: 'absent', step: 'install' },
    { name: 'objects without inventory', inventory: undefined, actions: [act('create'), act('keep')], state: 'out-of-sync', step: 'upgrade' },
    { name: 'same hash, objects intact', inventory: inv('h1'), actions: [act('keep')], state: 'in-sync', step: 'none' },
    { name: 'values changed', inventory: inv('h0'), actions: [act('update')], state: 'out-of-sync', step: 'upgrade' },
    { name: 'an object was edited or deleted', inventory: inv('h1'), actions: [act('keep'), act('create')], state: 'drifted', step: 'repair' },
    { name: 'a pass died mid-apply', inventory: inv('h1', 'applying'), actions: [act('keep')], state: 'failed', step: 'retry' },
    { name: 'a same-named object is not ours', inventory: inv('h1'), actions: [act('conflict'), act('keep')], state: 'unmanaged', step: 'report' },
  ];
  it.each(cases)('$name → $state → $step', (c) => {
    const status = releaseState(c.inventory, 'h1', c.actions);
    expect(status.state).toBe(c.state);
    expect(NEXT_STEP[status.state]).toBe(c.step);
    expect(status.reason.length).toBeGreaterThan(0);
  });
});

describe('inventory round trip', () => {
  it('reads back what it writes', () => {
    const record: InventoryRecord = {
      release: 'istio-remote',
      hash: 'abc',
      phase: 'applying',
      objects: [{ apiVersion: 'v1', kind: 'Service', namespace: 'istio-system', name: 'istio-pilot' }],
    };
    expect(parseInventory(inventoryObject('istio-system', record))).toEqual(record);
  });
  const broken: { name: string; data: unknown }[] = [
    { name: 'no data', data: undefined },
    { name: 'objects not JSON', data: { release: 'r', hash: 'h', phase: 'applied', objects: '{' } },
    { name: 'objects not refs', data: { release: 'r', hash: 'h', phase: 'applied', objects: '[{"kind":1}]' } },
    { name: 'unknown phase', data: { release: 'r', hash: 'h', phase: 'weird', objects: '[]' } },
  ];
  it.each(broken)('a damaged inventory ($name) reads as none', ({ data }) => {
    expect(parseInventory({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data })).toBeUndefined();
  });
});
