import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCidrOverlaps, overlappingClusters } from './check-cidrs.js';
import type { AddressRange, OverlappingClusters } from './check-cidrs.js';
import { cidrRangesOverlap, parseCidrRange } from './cidr.js';

const range = (kind: AddressRange['kind'], text: string): AddressRange => ({ kind, cidr: parseCidrRange(text)! });

/** The definition: every range of one cluster against every range of each later cluster. */
function everyPair(clusters: ReadonlyArray<{ ranges: readonly AddressRange[] }>): OverlappingClusters[] {
  const result: OverlappingClusters[] = [];
  clusters.forEach((a, first) => {
    clusters.forEach((b, second) => {
      if (second <= first) return;
      const pairs = a.ranges.flatMap((ra) => b.ranges.filter((rb) => cidrRangesOverlap(ra.cidr, rb.cidr)).map((rb): [AddressRange, AddressRange] => [ra, rb]));
      if (pairs.length > 0) result.push({ first, second, pairs });
    });
  });
  return result;
}

/** CIDRs packed into a few small networks of both families, so that overlaps, nesting and equal ranges are common. */
const cidrText = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 14, max: 26 })).map(([b, c, p]) => `10.${b}.${c}.0/${p}`),
  fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 104, max: 124 })).map(([h, p]) => `fd00::${h.toString(16)}:0/${p}`),
  fc.constantFrom('0.0.0.0/0', '::/0', '10.0.0.0/8'),
);
const cluster = fc.record({
  ranges: fc.array(
    fc.tuple(fc.constantFrom<AddressRange['kind']>('pod', 'service'), cidrText).map(([k, t]) => range(k, t)),
    { maxLength: 4 },
  ),
});

describe('overlappingClusters', () => {
  it('finds exactly the overlaps of comparing every range with every other, in the same order (property)', () => {
    fc.assert(
      fc.property(fc.array(cluster, { maxLength: 8 }), (clusters) => {
        expect(overlappingClusters(clusters)).toEqual(everyPair(clusters));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    { name: 'nested ranges of two clusters', a: ['10.0.0.0/8'], b: ['10.1.0.0/16'], overlaps: 1 },
    { name: 'the same range twice', a: ['10.96.0.0/12'], b: ['10.96.0.0/12'], overlaps: 1 },
    { name: 'neighbours', a: ['10.0.0.0/16'], b: ['10.1.0.0/16'], overlaps: 0 },
    { name: 'an IPv4 range and the IPv6 space', a: ['10.0.0.0/8'], b: ['::/0'], overlaps: 0 },
    { name: 'IPv6 ranges', a: ['fd00::/8'], b: ['fd00:10::/32', 'fe80::/10'], overlaps: 1 },
  ])('$name: $overlaps overlap(s)', ({ a, b, overlaps }) => {
    const clusters = [{ ranges: a.map((t) => range('pod', t)) }, { ranges: b.map((t) => range('service', t)) }];
    expect(overlappingClusters(clusters).flatMap((c) => c.pairs)).toHaveLength(overlaps);
  });

  it('ignores overlaps within one cluster', () => {
    expect(overlappingClusters([{ ranges: [range('pod', '10.0.0.0/8'), range('service', '10.96.0.0/12')] }])).toEqual([]);
  });
});

describe('checkCidrOverlaps', () => {
  it('names both clusters once per pair, an error for the newcomer and a warning for the one already joined', () => {
    const clusters = [
      { name: 'cp', ranges: [range('pod', '10.0.0.0/16')] },
      { name: 'old', ranges: [range('pod', '10.8.0.0/16')] },
      { name: 'new', ranges: [range('pod', '10.8.0.0/20'), range('service', '10.8.16.0/20')] },
    ];
    const findings = checkCidrOverlaps(clusters, { controlPlane: 'cp', joined: new Set(['old']) });
    expect(findings.map((f) => [f.cluster, f.severity])).toEqual([
      ['old', 'warning'],
      ['new', 'error'],
    ]);
    expect(findings[0]?.message).toBe(
      'clusters old and new have overlapping address ranges: old pod 10.8.0.0/16 overlaps new pod 10.8.0.0/20; old pod 10.8.0.0/16 overlaps new service 10.8.16.0/20',
    );
  });
});
