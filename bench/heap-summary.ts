// Summarises a V8 heap snapshot (node --heapsnapshot-signal / v8.writeHeapSnapshot) by what holds
// the memory: self size and count per constructor (or node type for strings, code, arrays…), the
// largest first, and for chosen names their direct retainers. No dominator tree: counts per
// constructor are what tell a per-cluster cost apart (N clusters × k objects).
// Run: npx tsx bench/heap-summary.ts FILE.heapsnapshot [--top N] [--retainers NAME,NAME…]
import { readFile } from 'node:fs/promises';
import { flag } from './lib/args.js';

/** The parts of a .heapsnapshot file read here. */
export interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** One row of the summary: a constructor (or node type) with its objects' count and self size. */
export interface HeapRow {
  name: string;
  count: number;
  bytes: number;
}

/** Node types grouped by type alone (their names are contents: string text, code names, array kinds). */
const BY_TYPE = new Set(['string', 'concatenated string', 'sliced string', 'code', 'number', 'hidden', 'array', 'bigint', 'symbol']);

/** Reads nodes of a snapshot by index (the offset of the node's first field). */
export class HeapNodes {
  readonly width: number;
  private readonly at: { type: number; name: number; size: number; edges: number };

  constructor(private readonly snap: Snapshot) {
    const fields = snap.snapshot.meta.node_fields;
    this.width = fields.length;
    this.at = { type: fields.indexOf('type'), name: fields.indexOf('name'), size: fields.indexOf('self_size'), edges: fields.indexOf('edge_count') };
  }

  /** How summaries name the node: its constructor, or (type) for strings, code, arrays… */
  nameOf(i: number): string {
    const type = this.snap.snapshot.meta.node_types[0][this.snap.nodes[i + this.at.type] ?? 0] ?? '?';
    const name = this.snap.strings[this.snap.nodes[i + this.at.name] ?? 0] ?? '?';
    if (BY_TYPE.has(type)) return `(${type})`;
    return type === 'object' || type === 'native' ? name : `(${type}) ${name}`;
  }

  size(i: number): number {
    return this.snap.nodes[i + this.at.size] ?? 0;
  }

  edgeCount(i: number): number {
    return this.snap.nodes[i + this.at.edges] ?? 0;
  }
}

/** Counts one object of `bytes` under `name` in `rows`. */
export function addRow(rows: Map<string, HeapRow>, name: string, bytes: number): void {
  const row = rows.get(name) ?? { name, count: 0, bytes: 0 };
  row.count += 1;
  row.bytes += bytes;
  rows.set(name, row);
}

/** Self size and count per constructor / node type, largest first. */
export function summariseHeap(snap: Snapshot): { rows: HeapRow[]; totalBytes: number; nodes: number } {
  const nodes = new HeapNodes(snap);
  const rows = new Map<string, HeapRow>();
  let totalBytes = 0;
  for (let i = 0; i < snap.nodes.length; i += nodes.width) {
    addRow(rows, nodes.nameOf(i), nodes.size(i));
    totalBytes += nodes.size(i);
  }
  return { rows: [...rows.values()].sort((a, b) => b.bytes - a.bytes), totalBytes, nodes: snap.nodes.length / nodes.width };
}

/** The summary as text lines: MB, count, name. */
export function heapSummaryLines(summary: ReturnType<typeof summariseHeap>, top: number): string[] {
  const mb = (b: number): string => (b / 1048576).toFixed(1).padStart(7);
  return [
    `total self size ${mb(summary.totalBytes)} MB in ${summary.nodes} objects`,
    ...summary.rows.slice(0, top).map((r) => `${mb(r.bytes)} MB ${String(r.count).padStart(9)}  ${r.name.slice(0, 100)}`),
  ];
}

/** An edge's label: its property name, or [element] / [hidden] for indexed and internal ones. */
function edgeLabel(snap: Snapshot, edge: number, nameAt: number, type: string): string {
  if (type === 'element' || type === 'hidden') return `[${type}]`;
  return snap.strings[snap.edges[edge + nameAt] ?? 0] ?? '?';
}

/**
 * What holds the objects named `name` (as summariseHeap names them): their direct retainers by
 * retainer name and edge name, with how many objects and bytes of `name` each holds, largest first.
 * Weak edges do not count.
 */
export function retainersOf(snap: Snapshot, name: string, top: number): HeapRow[] {
  const nodes = new HeapNodes(snap);
  const eFields = snap.snapshot.meta.edge_fields;
  const eWidth = eFields.length;
  const at = { type: eFields.indexOf('type'), name: eFields.indexOf('name_or_index'), to: eFields.indexOf('to_node') };
  const rows = new Map<string, HeapRow>();
  let edge = 0;
  for (let i = 0; i < snap.nodes.length; i += nodes.width) {
    const end = edge + nodes.edgeCount(i) * eWidth;
    for (; edge < end; edge += eWidth) {
      const to = snap.edges[edge + at.to] ?? 0;
      const type = snap.snapshot.meta.edge_types[0][snap.edges[edge + at.type] ?? 0] ?? '?';
      if (type === 'weak' || nodes.nameOf(to) !== name) continue;
      addRow(rows, `${nodes.nameOf(i).slice(0, 60)} .${edgeLabel(snap, edge, at.name, type).slice(0, 40)}`, nodes.size(to));
    }
  }
  return [...rows.values()].sort((a, b) => b.bytes - a.bytes || b.count - a.count).slice(0, top);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: heap-summary.ts FILE.heapsnapshot [--top N] [--retainers NAME,NAME…]');
  const snap = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const top = Number(flag(process.argv, '--top') ?? 40);
  const retained = flag(process.argv, '--retainers');
  if (retained === undefined) console.log(heapSummaryLines(summariseHeap(snap), top).join('\n'));
  for (const name of retained?.split(',') ?? []) {
    console.log(`held by (direct retainers of ${name}):`);
    for (const r of retainersOf(snap, name, top)) console.log(`${(r.bytes / 1048576).toFixed(2).padStart(7)} MB ${String(r.count).padStart(8)}  ${r.name}`);
  }
}
