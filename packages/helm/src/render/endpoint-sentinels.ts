import { isIPv4, isIPv6 } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { ControlPlaneEndpoints } from './values.js';

/** The endpoints a Pilot, Mixer or statsd move changes, in the fixed order sentinels are given out. */
const ENDPOINT_NAMES = ['pilot', 'policy', 'statsd'] as const;

/**
 * Two sets of stand-in addresses per IP family, from the documentation ranges (RFC 5737, RFC 3849):
 * the k-th distinct endpoint address of a family is written as the k-th sentinel of that family.
 * Set `a` renders a shape; set `b` renders it a second time to prove the chart only copies them.
 */
const SENTINELS = {
  a: { v4: ['198.51.100.251', '198.51.100.252', '198.51.100.253'], v6: ['2001:db8:5e::a1', '2001:db8:5e::a2', '2001:db8:5e::a3'] },
  b: { v4: ['203.0.113.251', '203.0.113.252', '203.0.113.253'], v6: ['2001:db8:5e::b1', '2001:db8:5e::b2', '2001:db8:5e::b3'] },
} as const;

/** Which sentinel set: `a` renders a shape, `b` proves it. */
export type SentinelSet = keyof typeof SENTINELS;

/** The endpoint addresses a move changes (core's MeshEndpoints: the values' mixer is policy's). */
export type MoveEndpoints = Required<Pick<ControlPlaneEndpoints, (typeof ENDPOINT_NAMES)[number]>>;

/** Endpoints with each distinct address replaced by a sentinel, and the sentinel → address map that undoes it. */
export interface SentinelEndpoints {
  endpoints: MoveEndpoints;
  /** Sentinel → the real address it stands for (one entry per distinct address). */
  binding: ReadonlyMap<string, string>;
}

function familyOf(address: string): 'v4' | 'v6' | undefined {
  if (isIPv4(address)) return 'v4';
  return isIPv6(address) ? 'v6' : undefined;
}

/**
 * `endpoints` with each distinct address (pilot, policy, statsd in that order) replaced by the next
 * sentinel of its family from `set`, so two endpoint sets with the same families and the same
 * equalities get the same sentinels. undefined when an address is missing or not a literal IP. Pure.
 */
export function sentinelEndpoints(endpoints: ControlPlaneEndpoints, set: SentinelSet): SentinelEndpoints | undefined {
  const bySentinel = new Map<string, string>();
  const byAddress = new Map<string, string>();
  const used = { v4: 0, v6: 0 };
  const replaced: MoveEndpoints = { pilot: '', policy: '', statsd: '' };
  for (const name of ENDPOINT_NAMES) {
    const address = endpoints[name];
    const family = address === undefined ? undefined : familyOf(address);
    if (address === undefined || family === undefined) return undefined;
    let sentinel = byAddress.get(address);
    if (sentinel === undefined) {
      sentinel = SENTINELS[set][family][used[family]++];
      if (sentinel === undefined) return undefined;
      byAddress.set(address, sentinel);
      bySentinel.set(sentinel, address);
    }
    replaced[name] = sentinel;
  }
  return { endpoints: replaced, binding: bySentinel };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * `value` with every string that equals a key of `map` (the whole string) replaced by its value,
 * all at once (a replacement is never replaced again); object keys and other strings stay. Pure.
 */
export function substituteLeaves<T>(value: T, map: ReadonlyMap<string, string>): T {
  return substituteAny(value, map) as T;
}

function substituteAny(value: unknown, map: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return map.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item: unknown) => substituteAny(item, map));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(out, key, { value: substituteAny(item, map), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/** Where a sentinel was found where substituting it would be unsafe (a path and why), or undefined. */
export type SentinelFinding = string | undefined;

function stringFinding(text: string, path: string, sentinels: readonly string[]): SentinelFinding {
  if (sentinels.includes(text)) return /\.metadata\.(name|namespace)$/.test(path) ? `${path}: a sentinel is an object's name` : undefined;
  const inside = sentinels.find((s) => text.includes(s));
  return inside === undefined ? undefined : `${path}: sentinel ${inside} inside a longer string`;
}

function entriesFinding(value: Record<string, unknown> | unknown[], path: string, sentinels: readonly string[]): SentinelFinding {
  for (const [key, item] of Object.entries(value)) {
    if (sentinels.some((s) => key.includes(s))) return `${path}: sentinel in the key ${key}`;
    const found = sentinelFinding(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, sentinels);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The first place in `value` where a sentinel appears other than as a whole string value: inside a
 * longer string, in an object key, or as an object's metadata.name or namespace. undefined when each
 * sentinel appears only as whole values (substituting them then changes nothing else). Pure.
 */
export function sentinelFinding(value: unknown, path: string, sentinels: readonly string[]): SentinelFinding {
  if (typeof value === 'string') return stringFinding(value, path, sentinels);
  if (Array.isArray(value) || isRecord(value)) return entriesFinding(value, path, sentinels);
  return undefined;
}

/**
 * Why rendering `shapeValues` (the values with sentinel endpoints) cannot stand for `values`, or
 * undefined when it can: each sentinel appears only as a whole string value, and substituting the
 * binding turns the shape's values into exactly `values`. Pure.
 */
export function shapeValuesFinding(shapeValues: unknown, values: unknown, binding: ReadonlyMap<string, string>): SentinelFinding {
  const found = sentinelFinding(shapeValues, 'values', [...binding.keys()]);
  if (found !== undefined) return found;
  return isDeepStrictEqual(substituteLeaves(shapeValues, binding), values) ? undefined : 'values: a sentinel address is also used elsewhere in the values';
}

/**
 * Why a chart's render with sentinel set `a` (`first`) does not prove the shape, or undefined when it
 * does: the sentinels appear only as whole string values, and the render with set `b` (`second`) is
 * exactly `first` with each `a` sentinel replaced by its `b` counterpart (`aToB`). A chart that
 * hashes, parses or branches on an address, or prints a sentinel of its own, fails one of these.
 */
export function shapeRenderFinding(first: unknown, second: unknown, aToB: ReadonlyMap<string, string>): SentinelFinding {
  const found = sentinelFinding(first, 'render', [...aToB.keys()]);
  if (found !== undefined) return found;
  return isDeepStrictEqual(substituteLeaves(first, aToB), second) ? undefined : 'render: the chart does not only copy the endpoint addresses';
}

/** The map from set `a`'s sentinels to set `b`'s for the same endpoints (same families and equalities). */
export function sentinelSetMap(a: SentinelEndpoints, b: SentinelEndpoints): Map<string, string> {
  const map = new Map<string, string>();
  for (const name of ENDPOINT_NAMES) {
    map.set(a.endpoints[name], b.endpoints[name]);
  }
  return map;
}
