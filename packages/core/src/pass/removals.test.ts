import { describe, expect, it } from 'vitest';
import { decideRemovals } from './removals.js';

const l = (...names: string[]): { name: string }[] => names.map((name) => ({ name }));
const held = (...names: string[]): { name: string; heldSince: string }[] => names.map((name) => ({ name, heldSince: '2026-12-01T00:00:00Z' }));

describe('deletion budget (decideRemovals)', () => {
  it('concurrent passes agree: deciding again from the remembered decision changes nothing', () => {
    const first = decideRemovals(l('a', 'b', 'c'), 1);
    const remembered = [...first.removable.map((name) => ({ name, approvedAt: 't' })), ...first.held.map((name) => ({ name, heldSince: 't' }))];
    const again = decideRemovals(remembered, 1);
    expect(again.removable).toEqual(first.removable);
    expect(again.held).toEqual(first.held);
  });

  it.each([
    { what: 'nothing leaving', leaving: [], max: 1, allow: undefined, removable: [], held: [] },
    { what: 'one leaving, budget 1', leaving: l('b'), max: 1, allow: undefined, removable: ['b'], held: [] },
    { what: 'three leaving, budget 1: first by name goes', leaving: l('c', 'a', 'b'), max: 1, allow: undefined, removable: ['a'], held: ['b', 'c'] },
    { what: 'budget 0 holds every removal', leaving: l('a'), max: 0, allow: undefined, removable: [], held: ['a'] },
    {
      what: 'already held: new departures are held too',
      leaving: [...held('b', 'c'), ...l('d')],
      max: 1,
      allow: undefined,
      removable: [],
      held: ['b', 'c', 'd'],
    },
    { what: 'held ones released when the limit fits them all', leaving: held('b', 'c'), max: 2, allow: undefined, removable: ['b', 'c'], held: [] },
    { what: '--allow-removals 2 of two held', leaving: held('b', 'c'), max: 1, allow: 2, removable: ['b', 'c'], held: [] },
    { what: '--allow-removals 1 of three', leaving: held('b', 'c', 'd'), max: 1, allow: 1, removable: ['b'], held: ['c', 'd'] },
    { what: 'one left after others were restored is within the budget', leaving: held('c'), max: 1, allow: undefined, removable: ['c'], held: [] },
    {
      what: 'a decision already made is kept: the approved one goes, whoever asks',
      leaving: [{ name: 'a', approvedAt: 't' }, ...held('b', 'c')],
      max: 1,
      allow: undefined,
      removable: ['a'],
      held: ['b', 'c'],
    },
    {
      what: '--allow-removals adds to the approved ones',
      leaving: [{ name: 'a', approvedAt: 't' }, ...held('b', 'c')],
      max: 1,
      allow: 1,
      removable: ['a', 'b'],
      held: ['c'],
    },
  ])('$what', ({ leaving, max, allow, removable, held: heldNames }) => {
    const d = decideRemovals(leaving, max, allow);
    expect(d.removable).toEqual(removable);
    expect(d.held).toEqual(heldNames);
    if (heldNames.length > 0) expect(d.reason).toMatch(/maxPerPass/);
  });
});
