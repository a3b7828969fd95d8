import { describe, expect, it } from 'vitest';
import type { ClusterTarget } from '@meshd/core';
import { releaseValues } from './istio-remote-values.js';

const target = (values?: unknown): ClusterTarget => ({
  name: 'east',
  role: 'remote',
  client: {} as ClusterTarget['client'],
  overrides: values === undefined ? {} : { values },
});
const endpoints = { pilot: '203.0.113.10', policy: '192.0.2.11', statsd: '192.0.2.12' };

describe('releaseValues', () => {
  it('fills the endpoint mapping (mixer = policy)', () => {
    expect(releaseValues(endpoints, {}, target())).toEqual({
      global: { pilotEndpoint: '203.0.113.10', mixerEndpoint: '192.0.2.11', policyEndpoint: '192.0.2.11', statsdEndpoint: '192.0.2.12' },
    });
  });

  it('deep-merges a cluster override over the global values without dropping sibling keys', () => {
    const values = releaseValues(endpoints, { global: { hub: 'registry.local/istio', tag: '0.8.0' } }, target({ global: { tag: '0.8.1' } }));
    expect(values.global).toMatchObject({ hub: 'registry.local/istio', tag: '0.8.1', pilotEndpoint: '203.0.113.10' });
  });

  it('lets a static value replace a discovered endpoint for one cluster', () => {
    const values = releaseValues(endpoints, {}, target({ global: { pilotEndpoint: '192.0.2.5' } }));
    expect((values.global as Record<string, unknown>).pilotEndpoint).toBe('192.0.2.5');
  });

  it('ignores an override that is not a mapping', () => {
    expect(releaseValues(endpoints, {}, target(['x']))).toEqual(releaseValues(endpoints, {}, target()));
  });
});
