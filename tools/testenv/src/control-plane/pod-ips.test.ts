import { describe, expect, it } from 'vitest';
import { PodIpAllocator } from './pod-ips.js';

describe('PodIpAllocator', () => {
  it('hands out distinct addresses inside the pod CIDR', () => {
    const ips = new PodIpAllocator('10.16.0.0/16');
    const first = Array.from({ length: 300 }, () => ips.allocate());
    expect(first[0]).toBe('10.16.1.10');
    expect(new Set(first).size).toBe(300);
    expect(first.every((ip) => ip.startsWith('10.16.'))).toBe(true);
  });

  it('rejects CIDRs it cannot split', () => {
    expect(() => new PodIpAllocator('10.16.0.0/24')).toThrow(/unsupported/);
    expect(() => new PodIpAllocator('fd00::/64')).toThrow(/unsupported/);
  });
});
