import { cidrRangesOverlap, parseCidrRange } from './cidr.js';
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

function overlapsBetween(a: readonly AddressRange[], b: readonly AddressRange[]): Array<[AddressRange, AddressRange]> {
  return a.flatMap((ra) => b.filter((rb) => cidrRangesOverlap(ra.cidr, rb.cidr)).map((rb): [AddressRange, AddressRange] => [ra, rb]));
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

/**
 * Pod and service CIDRs must not overlap across clusters (pure): every pod or service range of one
 * cluster against every range of each other cluster. One finding per cluster pair names both
 * clusters and the overlapping ranges. It is an error for the side that must not be joined (the
 * remote when the other is the control plane; the newcomer when the other is already joined; both
 * otherwise) and a warning for the other side.
 */
export function checkCidrOverlaps(clusters: ReadonlyArray<{ name: string; ranges: readonly AddressRange[] }>, context: OverlapContext): ClusterFinding[] {
  const findings: ClusterFinding[] = [];
  clusters.forEach((a, i) => {
    for (const b of clusters.slice(i + 1)) {
      const pairs = overlapsBetween(a.ranges, b.ranges);
      if (pairs.length === 0) continue;
      const listed = pairs.slice(0, SHOWN_OVERLAPS).map(([ra, rb]) => `${a.name} ${ra.kind} ${ra.cidr.text} overlaps ${b.name} ${rb.kind} ${rb.cidr.text}`);
      const more = pairs.length > SHOWN_OVERLAPS ? ` (and ${pairs.length - SHOWN_OVERLAPS} more)` : '';
      const message = `clusters ${a.name} and ${b.name} have overlapping address ranges: ${listed.join('; ')}${more}`;
      const blocked = blockedSides(a.name, b.name, context);
      for (const name of [a.name, b.name]) {
        findings.push(blocked.includes(name) ? errorFor(name, 'CIDR_OVERLAP', message) : warningFor(name, 'CIDR_OVERLAP', message));
      }
    }
  });
  return findings;
}
