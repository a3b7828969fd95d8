import { describe, expect, it } from 'vitest';
import { cidrRangesOverlap, parseCidrRange } from './cidr.js';

describe('parseCidrRange', () => {
  it.each([
    ['10.96.0.0/12', 4, 0x0a600000n, 12],
    ['10.1.2.3/8', 4, 0x0a000000n, 8],
    ['0.0.0.0/0', 4, 0n, 0],
    ['192.168.1.7/32', 4, 0xc0a80107n, 32],
    ['fd00:10:96::/112', 6, 0xfd000010009600000000000000000000n, 112],
    ['::/0', 6, 0n, 0],
    ['::1/128', 6, 1n, 128],
    ['2001:db8::ff/120', 6, 0x20010db8000000000000000000000000n, 120],
    ['::ffff:10.0.0.0/104', 6, 0xffff0a000000n, 104],
    ['1:2:3:4:5:6:7:8/64', 6, 0x0001000200030004n << 64n, 64],
  ])('%s', (text, family, network, prefix) => {
    expect(parseCidrRange(text)).toEqual({ family, network, prefix, text });
  });

  it.each([
    '',
    '10.0.0.0',
    '10.0.0.0/',
    '10.0.0.0/33',
    '10.0.0/8',
    '10.0.0.256/8',
    '10.0.0.0/-1',
    '10.0.0.0/8/8',
    'a.b.c.d/8',
    'fd00::/129',
    'fd00:::1/64',
    'fd00::1::2/64',
    '1:2:3:4:5:6:7:8:9/64',
    '1:2:3/64',
    'fe80::1%eth0/64',
    'gggg::/16',
    '::ffff:10.0.0.300/104',
    ' /8',
  ])('malformed %j', (text) => {
    expect(parseCidrRange(text)).toBeUndefined();
  });
});

describe('cidrRangesOverlap', () => {
  const overlap = (a: string, b: string): boolean => cidrRangesOverlap(parseCidrRange(a)!, parseCidrRange(b)!);

  it.each([
    ['10.0.0.0/8', '10.244.0.0/16', true],
    ['10.244.0.0/16', '10.0.0.0/8', true],
    ['10.244.0.0/24', '10.244.0.0/24', true],
    ['10.244.0.0/24', '10.244.1.0/24', false],
    ['10.244.0.0/23', '10.244.1.0/24', true],
    ['10.96.0.0/12', '10.112.0.0/12', false],
    ['10.96.0.0/12', '10.111.255.0/24', true],
    ['0.0.0.0/0', '192.168.0.0/16', true],
    ['192.168.0.1/32', '192.168.0.2/32', false],
    ['fd00:10:96::/112', 'fd00:10:96::1:0/112', false],
    ['fd00:10:96::/108', 'fd00:10:96::1:0/112', true],
    ['fd00::/8', 'fdff:ffff::/32', true],
    ['2001:db8::/32', '2001:db9::/32', false],
    ['10.0.0.0/8', '::ffff:10.0.0.0/104', false],
    ['::/0', '10.0.0.0/8', false],
  ])('%s vs %s', (a, b, expected) => {
    expect(overlap(a, b)).toBe(expected);
    expect(overlap(b, a)).toBe(expected);
  });
});
