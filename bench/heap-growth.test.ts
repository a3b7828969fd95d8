import { describe, expect, it } from 'vitest';
import { heapGrowth } from './heap-growth.js';
import type { Snapshot } from './heap-summary.js';

/** A snapshot of named objects (id, constructor, self size) and property edges between them; node 0 is the root. */
function snapshotOf(objects: [id: number, name: string, size: number][], edges: [from: number, to: number, name: string, weak?: boolean][]): Snapshot {
  const strings = ['(root)', ...objects.map(([, name]) => name), ...edges.map(([, , name]) => name)];
  const all = [[0, '(root)', 0] as const, ...objects];
  const nodes = all.flatMap(([id, name, size], i) => [i === 0 ? 1 : 0, strings.indexOf(name), id, size, edges.filter(([from]) => from === id).length]);
  const index = (id: number): number => all.findIndex(([nodeId]) => nodeId === id) * 5;
  const sortedEdges = [...edges].sort((a, b) => index(a[0]) - index(b[0]));
  return {
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'],
        node_types: [['object', 'synthetic']],
        edge_fields: ['type', 'name_or_index', 'to_node'],
        edge_types: [['property', 'weak']],
      },
    },
    nodes,
    edges: sortedEdges.flatMap(([, to, name, weak]) => [weak === true ? 1 : 0, strings.indexOf(name), index(to)]),
    strings,
  };
}

describe('heapGrowth', () => {
  const earlier = snapshotOf([[1, 'Queue', 10]], [[0, 1, 'queue']]);
  const later = snapshotOf(
    [
      [1, 'Queue', 10],
      [3, 'Entry', 20],
      [5, 'Entry', 20],
      [7, 'Orphan', 99],
      [9, 'Entry', 20],
    ],
    [
      [0, 1, 'queue'],
      [1, 3, 'first'],
      [3, 5, 'next'],
      [0, 9, 'weakly', true],
    ],
  );

  it('counts objects alive now that did not exist before, by constructor and by their shortest path from the roots', () => {
    const growth = heapGrowth(earlier, later, { depth: 4 });
    expect(growth.byName).toEqual([{ name: 'Entry', count: 2, bytes: 40 }]);
    expect(growth.byPath).toEqual([
      { name: 'Entry <- Queue.first', count: 1, bytes: 20 },
      { name: 'Entry <- Entry.next <- Queue.first', count: 1, bytes: 20 },
    ]);
  });

  it('with a third snapshot, counts only what is still alive in it', () => {
    const latest = snapshotOf(
      [
        [1, 'Queue', 10],
        [3, 'Entry', 20],
      ],
      [
        [0, 1, 'queue'],
        [1, 3, 'first'],
      ],
    );
    expect(heapGrowth(earlier, later, { depth: 4, stillIn: latest }).byName).toEqual([{ name: 'Entry', count: 1, bytes: 20 }]);
  });
});
