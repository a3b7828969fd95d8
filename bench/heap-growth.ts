// What a process kept from one heap snapshot to the next (the "three snapshots" method): the objects
// alive in LATER that did not exist in EARLIER (V8 keeps an object's id across snapshots of one
// process), grouped by constructor and by the path that holds them — each object's shortest chain of
// retainers from the GC roots, as DevTools' "Retainers" shows first. A leak shows as a group whose
// count grows with the work done between the snapshots.
// With --still-in, only the objects that also survive to a third snapshot count (what a leak keeps,
// not what the work between the first two had in hand).
// Take the snapshots with `node --heapsnapshot-signal=SIGUSR2` (kill -USR2 PID) at two times.
// Run: npx tsx bench/heap-growth.ts EARLIER.heapsnapshot LATER.heapsnapshot [--top N] [--depth N] [--only NAME] [--still-in LATEST.heapsnapshot]
import { readFile } from 'node:fs/promises';
import { flag } from './lib/args.js';
import { HeapNodes, addRow, type HeapRow, type Snapshot } from './heap-summary.js';

/** A snapshot's graph in arrays: each node's id, and its retainers (reverse non-weak edges). */
interface Graph {
  nodes: HeapNodes;
  /** Node index (offset / width) → V8's object id. */
  ids: Float64Array;
  /** Reverse edges in CSR form: retainers of node n are retainerOf[firstRetainer[n] .. firstRetainer[n+1]). */
  firstRetainer: Uint32Array;
  retainerOf: Uint32Array;
  retainerEdgeName: string[];
  /** Shortest distance from the GC roots over non-weak edges; 0xffffffff when unreachable. */
  distance: Uint32Array;
}

const UNREACHED = 0xffffffff;

/** How edges are laid out in a snapshot's flat array, and which are strong. */
interface EdgeLayout {
  width: number;
  type: number;
  name: number;
  to: number;
  types: string[];
}

function edgeLayout(snap: Snapshot): EdgeLayout {
  const fields = snap.snapshot.meta.edge_fields;
  return {
    width: fields.length,
    type: fields.indexOf('type'),
    name: fields.indexOf('name_or_index'),
    to: fields.indexOf('to_node'),
    types: snap.snapshot.meta.edge_types[0],
  };
}

const isStrong = (snap: Snapshot, e: EdgeLayout, edge: number): boolean => e.types[snap.edges[edge + e.type] ?? 0] !== 'weak';

/** Each node's first edge offset (CSR over the flat edge array): edges of n are [first[n], first[n + 1]). */
function firstEdges(snap: Snapshot, nodes: HeapNodes, count: number, e: EdgeLayout): Uint32Array {
  const first = new Uint32Array(count + 1);
  for (let n = 0; n < count; n++) first[n + 1] = (first[n] ?? 0) + nodes.edgeCount(n * nodes.width) * e.width;
  return first;
}

/** An edge's name for a path: the property, [element] / [hidden], or [n] for an internal array's numbered slot. */
function edgeName(snap: Snapshot, e: EdgeLayout, edge: number): string {
  const type = e.types[snap.edges[edge + e.type] ?? 0];
  const name = type === 'element' || type === 'hidden' ? `[${type}]` : (snap.strings[snap.edges[edge + e.name] ?? 0] ?? '?');
  return /^\d+$/.test(name) ? '[n]' : name;
}

/** Every strong edge as [from node, edge offset, to node]. */
function* strongEdgesOf(snap: Snapshot, nodes: HeapNodes, first: Uint32Array, e: EdgeLayout): Generator<[number, number, number]> {
  for (let from = 0; from < first.length - 1; from++)
    for (let edge = first[from] ?? 0; edge < (first[from + 1] ?? 0); edge += e.width)
      if (isStrong(snap, e, edge)) yield [from, edge, (snap.edges[edge + e.to] ?? 0) / nodes.width];
}

/** Where each node's retainers start in the reverse-edge array (counts, then running sums). */
function retainerOffsets(count: number, edges: Iterable<[number, number, number]>): Uint32Array {
  const offsets = new Uint32Array(count + 1);
  for (const [, , to] of edges) offsets[to + 1] = (offsets[to + 1] ?? 0) + 1;
  for (let n = 0; n < count; n++) offsets[n + 1] = (offsets[n + 1] ?? 0) + (offsets[n] ?? 0);
  return offsets;
}

/** Reverse strong edges in CSR form. */
function retainersOfAll(snap: Snapshot, nodes: HeapNodes, first: Uint32Array, e: EdgeLayout): Pick<Graph, 'firstRetainer' | 'retainerOf' | 'retainerEdgeName'> {
  const count = first.length - 1;
  const strongEdges = (): Generator<[number, number, number]> => strongEdgesOf(snap, nodes, first, e);
  const firstRetainer = retainerOffsets(count, strongEdges());
  const retainerOf = new Uint32Array(firstRetainer[count] ?? 0);
  const retainerEdgeName: string[] = new Array<string>(retainerOf.length);
  const filled = new Uint32Array(count);
  for (const [from, edge, to] of strongEdges()) {
    const slot = (firstRetainer[to] ?? 0) + (filled[to] ?? 0);
    filled[to] = (filled[to] ?? 0) + 1;
    retainerOf[slot] = from;
    retainerEdgeName[slot] = edgeName(snap, e, edge);
  }
  return { firstRetainer, retainerOf, retainerEdgeName };
}

/** Breadth-first from the root (node 0) over strong edges: each node's distance from the GC roots. */
function distances(snap: Snapshot, nodes: HeapNodes, first: Uint32Array, e: EdgeLayout): Uint32Array {
  const count = first.length - 1;
  const distance = new Uint32Array(count).fill(UNREACHED);
  const queue = new Uint32Array(count);
  let [head, tail] = [0, 1];
  distance[0] = 0;
  while (head < tail) {
    const from = queue[head++] ?? 0;
    for (let edge = first[from] ?? 0; edge < (first[from + 1] ?? 0); edge += e.width) {
      const to = (snap.edges[edge + e.to] ?? 0) / nodes.width;
      if (!isStrong(snap, e, edge) || distance[to] !== UNREACHED) continue;
      distance[to] = (distance[from] ?? 0) + 1;
      queue[tail++] = to;
    }
  }
  return distance;
}

function buildGraph(snap: Snapshot): Graph {
  const nodes = new HeapNodes(snap);
  const count = snap.nodes.length / nodes.width;
  const idAt = snap.snapshot.meta.node_fields.indexOf('id');
  const ids = new Float64Array(count);
  for (let n = 0; n < count; n++) ids[n] = snap.nodes[n * nodes.width + idAt] ?? 0;
  const e = edgeLayout(snap);
  const first = firstEdges(snap, nodes, count, e);
  return { nodes, ids, ...retainersOfAll(snap, nodes, first, e), distance: distances(snap, nodes, first, e) };
}

/** The retainer of `node` closest to the roots, with the slot of its edge; undefined for none. */
function closestRetainer(graph: Graph, node: number): { from: number; slot: number } | undefined {
  let best: { from: number; slot: number } | undefined;
  for (let slot = graph.firstRetainer[node] ?? 0; slot < (graph.firstRetainer[node + 1] ?? 0); slot++) {
    const from = graph.retainerOf[slot] ?? 0;
    if (best === undefined || (graph.distance[from] ?? UNREACHED) < (graph.distance[best.from] ?? UNREACHED)) best = { from, slot };
  }
  return best;
}

/** The node's shortest retainer chain towards the roots, `depth` steps, as "Name.edge <- Name.edge …". */
function retainerPath(graph: Graph, node: number, depth: number): string {
  const steps: string[] = [];
  for (let at = node, step = 0; step < depth; step++) {
    const best = closestRetainer(graph, at);
    if (best === undefined || best.from === 0) break;
    steps.push(`${graph.nodes.nameOf(best.from * graph.nodes.width).slice(0, 50)}.${(graph.retainerEdgeName[best.slot] ?? '?').slice(0, 30)}`);
    at = best.from;
  }
  return steps.join(' <- ');
}

/** Objects in `later` whose ids `earlier` lacks (and, with `stillIn`, that snapshot still has), by name and by name + retainer path. */
export function heapGrowth(
  earlier: Snapshot,
  later: Snapshot,
  options: { depth: number; only?: string | undefined; stillIn?: Snapshot | undefined },
): { byName: HeapRow[]; byPath: HeapRow[] } {
  const before = new Set(buildGraph(earlier).ids);
  const graph = buildGraph(later);
  const after = options.stillIn ? new Set(buildGraph(options.stillIn).ids) : undefined;
  const counted = (n: number): boolean => !before.has(graph.ids[n] ?? 0) && graph.distance[n] !== UNREACHED && (after?.has(graph.ids[n] ?? 0) ?? true);
  const byName = new Map<string, HeapRow>();
  const byPath = new Map<string, HeapRow>();
  for (let n = 0; n < graph.ids.length; n++) {
    const offset = n * graph.nodes.width;
    const name = graph.nodes.nameOf(offset);
    if (!counted(n) || (options.only !== undefined && name !== options.only)) continue;
    addRow(byName, name, graph.nodes.size(offset));
    addRow(byPath, `${name.slice(0, 40)} <- ${retainerPath(graph, n, options.depth)}`, graph.nodes.size(offset));
  }
  const sorted = (rows: Map<string, HeapRow>): HeapRow[] => [...rows.values()].sort((a, b) => b.count - a.count || b.bytes - a.bytes);
  return { byName: sorted(byName), byPath: sorted(byPath) };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const [earlierFile, laterFile] = process.argv.slice(2).filter((a) => a.endsWith('.heapsnapshot'));
  if (!earlierFile || !laterFile)
    throw new Error('usage: heap-growth.ts EARLIER.heapsnapshot LATER.heapsnapshot [--top N] [--depth N] [--only NAME] [--still-in LATEST.heapsnapshot]');
  const load = async (file: string): Promise<Snapshot> => JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const top = Number(flag(process.argv, '--top') ?? 30);
  const depth = Number(flag(process.argv, '--depth') ?? 6);
  const stillIn = flag(process.argv, '--still-in');
  const growth = heapGrowth(await load(earlierFile), await load(laterFile), {
    depth,
    only: flag(process.argv, '--only'),
    stillIn: stillIn ? await load(stillIn) : undefined,
  });
  const line = (r: HeapRow): string => `${String(r.count).padStart(8)} ${(r.bytes / 1024).toFixed(0).padStart(7)} KB  ${r.name}`;
  console.log(`new and alive in ${laterFile} (not in ${earlierFile})${stillIn ? `, still alive in ${stillIn}` : ''}, by constructor:`);
  for (const r of growth.byName.slice(0, top)) console.log(line(r));
  console.log(`\nby shortest retainer path (${depth} steps):`);
  for (const r of growth.byPath.slice(0, top)) console.log(line(r));
}
