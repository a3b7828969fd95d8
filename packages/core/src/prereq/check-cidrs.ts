import { parseCidrRange } from './cidr.js';
import type { CidrRange } from './cidr.js';
import type { ClusterFacts } from './facts.js';
import { errorFor, warningFor } from './findings.js';
import type { ClusterFinding } from './findings.js';

/** One of a cluster's address ranges, parsed. */
export interface AddressRange {
  kind: 'pod' | 'service';
  cidr: CidrRange;
}

/** How many overlapping range pairs a message lists before "and N more". */
const SHOWN_OVERLAPS = 3;

function rangesOf(kind: AddressRange['kind'], texts: readonly string[], cluster: string): { ranges: AddressRange[]; findings: ClusterFinding[] } {
  const ranges: AddressRange[] = [];
  const findings: ClusterFinding[] = [];
  for (const text of texts) {
    const cidr = parseCidrRange(text);
    if (cidr) ranges.push({ kind, cidr });
    else findings.push(warningFor(cluster, 'CIDR_INVALID', `cluster ${cluster}: ${kind} CIDR "${text}" is not a CIDR; it is left out of the overlap check`));
  }
  return { ranges, findings };
}

/** A cluster's parsed pod and service ranges, with warnings for what is unknown or malformed (pure). */
export function clusterRanges(cluster: string, facts: ClusterFacts): { ranges: AddressRange[]; findings: ClusterFinding[] } {
  const findings: ClusterFinding[] = [];
  if (facts.podCIDRs === undefined || facts.podCIDRs.length === 0) {
    const why = facts.podCIDRs === undefined ? 'its Nodes cannot be read' : 'no Node reports spec.podCIDR';
    findings.push(
      warningFor(cluster, 'POD_CIDR_UNKNOWN', `cluster ${cluster}: pod CIDRs unknown (${why}); check by hand that they overlap no other cluster's`),
    );
  }
  if (facts.serviceCIDRs === undefined || facts.serviceCIDRs.length === 0) {
    findings.push(
      warningFor(
        cluster,
        'SERVICE_CIDR_UNKNOWN',
        `cluster ${cluster}: service CIDRs unknown (no readable networking.k8s.io/v1 ServiceCIDR, Kubernetes < 1.33?); check by hand that they overlap no other cluster's`,
      ),
    );
  }
  const pods = rangesOf('pod', facts.podCIDRs ?? [], cluster);
  const services = rangesOf('service', facts.serviceCIDRs ?? [], cluster);
  return { ranges: [...pods.ranges, ...services.ranges], findings: [...findings, ...pods.findings, ...services.findings] };
}

/** Who must not be joined when two clusters overlap: never the control plane, never one already joined when the other is new. */
function blockedSides(a: string, b: string, context: OverlapContext): string[] {
  if (a === context.controlPlane) return [b];
  if (b === context.controlPlane) return [a];
  const aJoined = context.joined.has(a);
  const bJoined = context.joined.has(b);
  if (aJoined !== bJoined) return [aJoined ? b : a];
  return [a, b];
}

/** What decides which side of an overlap is blocked. */
export interface OverlapContext {
  controlPlane: string;
  joined: ReadonlySet<string>;
}

/** One range of one cluster, as the overlap sweep sees it: where it starts and ends, per family. */
interface Placed {
  cluster: number;
  index: number;
  range: AddressRange;
  start: bigint;
  end: bigint;
}

function placed(clusters: ReadonlyArray<{ ranges: readonly AddressRange[] }>): Placed[] {
  return clusters.flatMap((c, cluster) =>
    c.ranges.map((range, index) => {
      const size = 1n << BigInt((range.cidr.family === 4 ? 32 : 128) - range.cidr.prefix);
      // IPv6 ranges are moved past every IPv4 address, so the two families never meet.
      const start = range.cidr.network + (range.cidr.family === 6 ? 1n << 32n : 0n);
      return { cluster, index, range, start, end: start + size - 1n };
    }),
  );
}

/** The overlapping ranges of two clusters (indexes into the list checked, `first` < `second`). */
export interface OverlappingClusters {
  first: number;
  second: number;
  /** Each overlap: the first cluster's range, the second's. */
  pairs: Array<[AddressRange, AddressRange]>;
}

function byPosition([a1, b1]: [Placed, Placed], [a2, b2]: [Placed, Placed]): number {
  return a1.cluster - a2.cluster || b1.cluster - b2.cluster || a1.index - a2.index || b1.index - b2.index;
}

function byStartLargerFirst(x: Placed, y: Placed): number {
  if (x.start !== y.start) return x.start < y.start ? -1 : 1;
  return x.end === y.end ? 0 : x.end > y.end ? -1 : 1;
}

/**
 * Every pair of ranges of different clusters that share an address (pure), by cluster pair in list
 * order, each pair's overlaps in the order of the first cluster's ranges, then the second's. Two CIDRs
 * are nested or apart, so one sweep in start order (the larger of two equal starts first) with a stack
 * of the ranges still open finds each overlap once: O(n log n) plus the overlaps, where every range
 * against every other was O(n²) (0.3 s of a 1 000-cluster pass).
 */
export function overlappingClusters(clusters: ReadonlyArray<{ ranges: readonly AddressRange[] }>): OverlappingClusters[] {
  const result: OverlappingClusters[] = [];
  for (const [a, b] of sweep(placed(clusters)).sort(byPosition)) {
    const last = result.at(-1);
    if (last?.first === a.cluster && last.second === b.cluster) last.pairs.push([a.range, b.range]);
    else result.push({ first: a.cluster, second: b.cluster, pairs: [[a.range, b.range]] });
  }
  return result;
}

/** The sweep of overlappingClusters: every pair of overlapping ranges of different clusters, the lower cluster index first. */
function sweep(ranges: Placed[]): Array<[Placed, Placed]> {
  const found: Array<[Placed, Placed]> = [];
  const open: Placed[] = [];
  for (const r of ranges.sort(byStartLargerFirst)) {
    while (open.length > 0 && (open.at(-1) as Placed).end < r.start) open.pop();
    for (const o of open) if (o.cluster !== r.cluster) found.push(o.cluster < r.cluster ? [o, r] : [r, o]);
    open.push(r);
  }
  return found;
}

/**
 * Pod and service CIDRs must not overlap across clusters (pure): every pod or service range of one
 * cluster against every range of each other cluster. One finding per cluster pair names both
 * clusters and the overlapping ranges. It is an error for the side that must not be joined (the
 * remote when the other is the control plane; the newcomer when the other is already joined; both
 * otherwise) and a warning for the other side.
 */
export function checkCidrOverlaps(clusters: ReadonlyArray<{ name: string; ranges: readonly AddressRange[] }>, context: OverlapContext): ClusterFinding[] {
  return overlappingClusters(clusters).flatMap(({ first, second, pairs }) => {
    const a = (clusters[first] as { name: string }).name;
    const b = (clusters[second] as { name: string }).name;
    const listed = pairs.slice(0, SHOWN_OVERLAPS).map(([ra, rb]) => `${a} ${ra.kind} ${ra.cidr.text} overlaps ${b} ${rb.kind} ${rb.cidr.text}`);
    const more = pairs.length > SHOWN_OVERLAPS ? ` (and ${pairs.length - SHOWN_OVERLAPS} more)` : '';
    const message = `clusters ${a} and ${b} have overlapping address ranges: ${listed.join('; ')}${more}`;
    const blocked = blockedSides(a, b, context);
    return [a, b].map((name) => (blocked.includes(name) ? errorFor(name, 'CIDR_OVERLAP', message) : warningFor(name, 'CIDR_OVERLAP', message)));
  });
}
