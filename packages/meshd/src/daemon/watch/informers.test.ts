import { describe, expect, it } from 'vitest';
import { collectionPath, watchGraceMs } from './informers.js';

describe('watch timing', () => {
  it('gives up on a watch request a quarter of its timeout after the server should have ended it, between 1 s and 30 s', () => {
    expect(watchGraceMs(300)).toBe(30_000);
    expect(watchGraceMs(20)).toBe(5000);
    expect(watchGraceMs(2)).toBe(1000);
  });

  it('builds collection paths for core and grouped APIs', () => {
    expect(collectionPath({ apiVersion: 'v1', plural: 'pods', namespace: 'istio-system' })).toBe('/api/v1/namespaces/istio-system/pods');
    expect(collectionPath({ apiVersion: 'apps/v1', plural: 'deployments' })).toBe('/apis/apps/v1/deployments');
  });
});
