import { describe, expect, it } from 'vitest';
import { podCIDRsOfNodes } from './facts.js';

describe('podCIDRsOfNodes', () => {
  it('takes spec.podCIDRs (dual stack), falls back to spec.podCIDR, dedups and sorts', () => {
    const nodes = [
      { spec: { podCIDR: '198.51.100.0/24' } },
      { spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24', 'fd00:244::/64'] } },
      { spec: { podCIDR: '198.51.100.0/24' } },
      { spec: {} },
      {},
    ];
    expect(podCIDRsOfNodes(nodes)).toEqual(['10.244.0.0/24', '198.51.100.0/24', 'fd00:244::/64']);
  });

  it('is empty without nodes', () => {
    expect(podCIDRsOfNodes([])).toEqual([]);
  });
});
