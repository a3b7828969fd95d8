import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { actionWrites, NEXT_STEP } from './state.js';
import type { InventoryRecord, ReleaseAction, ReleaseState } from './state.js';
import { inventoryObject, parseInventory } from './inventory.js';

describe('the state → action table (NEXT_STEP)', () => {
  const table: [ReleaseState, ReleaseAction, boolean][] = [
    ['absent', 'install', true],
    ['in-sync', 'none', false],
    ['out-of-sync', 'upgrade', true],
    ['drifted', 'repair', true],
    ['unmanaged', 'report', false],
    ['failed', 'retry', true],
    ['locked', 'wait', false],
    ['removed', 'uninstall', true],
  ];
  it.each(table)('%s → %s (writes: %s)', (state, action, writes) => {
    expect(NEXT_STEP[state]).toBe(action);
    expect(actionWrites(action)).toBe(writes);
  });

  it('has exactly one action for each state, and nothing else', () => {
    expect(Object.keys(NEXT_STEP).sort()).toEqual(table.map(([s]) => s).sort());
  });

  it('only in-sync, unmanaged and locked lead to an action that writes nothing', () => {
    const states = Object.keys(NEXT_STEP) as ReleaseState[];
    fc.assert(fc.property(fc.constantFrom(...states), (s) => actionWrites(NEXT_STEP[s]) === !['in-sync', 'unmanaged', 'locked'].includes(s)));
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
