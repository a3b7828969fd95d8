// Summarises a V8 heap snapshot (node --heapsnapshot-signal / v8.writeHeapSnapshot) by what holds
// the memory: self size and count per constructor (or node type for strings, code, arrays…), the
// largest first. No dominator tree: counts per constructor are what tell a per-cluster cost apart
// (N clusters × k objects).
// Run: npx tsx bench/heap-summary.ts FILE.heapsnapshot [--top N] [--retainers NAME,NAME…]
import { readFile } from 'node:fs/promises';
import { flag } from './lib/args.js';

interface Snapshot {
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

/** Self size and count per constructor / node type, largest first. */
export function summariseHeap(snap: Snapshot): { rows: HeapRow[]; totalBytes: number; nodes: number } {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const rows = new Map<string, HeapRow>();
  let totalBytes = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] ?? 0] ?? '?';
    const size = snap.nodes[i + sizeAt] ?? 0;
    const name = BY_TYPE.has(type) ? `(${type})` : type === 'object' || type === 'native' ? (snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '?') : `(${type}) ${snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '?'}`;
    const row = rows.get(name) ?? { name, count: 0, bytes: 0 };
    row.count += 1;
    row.bytes += size;
    rows.set(name, row);
    totalBytes += size;
  }
  return { rows: [...rows.values()].sort((a, b) => b.bytes - a.bytes), totalBytes, nodes: snap.nodes.length / width };
}

/** The summary as text lines: MB, count, name. */
export function heapSummaryLines(summary: ReturnType<typeof summariseHeap>, top: number): string[] {
  const mb = (b: number): string => (b / 1048576).toFixed(1).padStart(7);
  return [
    `total self size ${mb(summary.totalBytes)} MB in ${summary.nodes} objects`,
    ...summary.rows.slice(0, top).map((r) => `${mb(r.bytes)} MB ${String(r.count).padStart(9)}  ${r.name.slice(0, 100)}`),
  ];
}

/**
 * What holds the objects named `name` (as summariseHeap names them): their direct retainers by
 * retainer name and edge name, with how many objects and bytes of `name` each holds, largest first.
 */
export function retainersOf(snap: Snapshot, name: string, top: number): string[] {
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt, edgeCountAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size'), fields.indexOf('edge_count')];
  const types = snap.snapshot.meta.node_types[0];
  const eFields = snap.snapshot.meta.edge_fields;
  const eWidth = eFields.length;
  const [eTypeAt, eNameAt, eToAt] = [eFields.indexOf('type'), eFields.indexOf('name_or_index'), eFields.indexOf('to_node')];
  const eTypes = snap.snapshot.meta.edge_types[0];
  const nameOf = (i: number): string => {
    const type = types[snap.nodes[i + typeAt] ?? 0] ?? '?';
    const n = snap.strings[snap.nodes[i + nameAt] ?? 0] ?? '?';
    return BY_TYPE.has(type) ? `(${type})` : type === 'object' || type === 'native' ? n : `(${type}) ${n}`;
  };
  const rows = new Map<string, HeapRow>();
  let edge = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const count = snap.nodes[i + edgeCountAt] ?? 0;
    for (let e = 0; e < count; e += 1, edge += eWidth) {
      const to = snap.edges[edge + eToAt] ?? 0;
      if (nameOf(to) !== name) continue;
      const eType = eTypes[snap.edges[edge + eTypeAt] ?? 0] ?? '?';
      if (eType === 'weak') continue;
      const raw = snap.edges[edge + eNameAt] ?? 0;
      const edgeName = eType === 'element' || eType === 'hidden' ? `[${eType}]` : (snap.strings[raw] ?? '?');
      const key = `${nameOf(i).slice(0, 60)} .${edgeName.slice(0, 40)}`;
      const row = rows.get(key) ?? { name: key, count: 0, bytes: 0 };
      row.count += 1;
      row.bytes += snap.nodes[to + sizeAt] ?? 0;
      rows.set(key, row);
    }
  }
  const mb = (b: number): string => (b / 1048576).toFixed(2).padStart(7);
  return [...rows.values()].sort((a, b) => b.bytes - a.bytes || b.count - a.count).slice(0, top).map((r) => `${mb(r.bytes)} MB ${String(r.count).padStart(8)}  ${r.name}`);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: heap-summary.ts FILE.heapsnapshot [--top N]');
  const snap = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const retained = flag(process.argv, '--retainers');
  if (retained !== undefined) {
    for (const name of retained.split(',')) console.log([`held by (direct retainers of ${name}):`, ...retainersOf(snap, name, Number(flag(process.argv, '--top') ?? 20))].join('\n'));
    process.exit(0);
  }
  console.log(heapSummaryLines(summariseHeap(snap), Number(flag(process.argv, '--top') ?? 40)).join('\n'));
}
