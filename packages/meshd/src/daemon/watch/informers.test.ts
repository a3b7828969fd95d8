import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { connectCluster, type ClusterClient } from '@meshd/core/cluster';
import { silentLogger } from '@meshd/testkit';
import { collectionPath, firstWatchTimeoutSeconds, MAX_LISTS_IN_FLIGHT, PROBE_INTERVAL_MS, watchGraceMs, watchResource } from './informers.js';

describe('watch timing', () => {
  it('gives up on a watch request a quarter of its timeout after the server should have ended it, between 1 s and 30 s', () => {
    expect(watchGraceMs(300)).toBe(30_000);
    expect(watchGraceMs(20)).toBe(5000);
    expect(watchGraceMs(2)).toBe(1000);
  });

  it.each([
    [300, 0, 150],
    [300, 0.5, 225],
    [300, 0.999_999, 300],
    [20, 0, 10],
    [1, 0, 1],
    [1, 0.999, 1],
  ])('ends the first watch request after a list at a drawn point of half the timeout to all of it (%i s, draw %f: %i s)', (timeout, draw, expected) => {
    expect(firstWatchTimeoutSeconds(timeout, draw)).toBe(expected);
  });

  it('never draws a first timeout under half the timeout, over the timeout or under 1 s, and spreads the draws over that range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3600 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (timeout, draw) => {
        const first = firstWatchTimeoutSeconds(timeout, draw);
        expect(first).toBeGreaterThanOrEqual(Math.max(1, timeout / 2));
        expect(first).toBeLessThanOrEqual(timeout);
        expect(Number.isInteger(first)).toBe(true);
      }),
    );
    // 7 000 watches listed at once end over 150 s, not in one second.
    const ends = new Set(Array.from({ length: 7000 }, (_, i) => firstWatchTimeoutSeconds(300, i / 7000)));
    expect(ends.size).toBeGreaterThan(140);
  });

  it('builds collection paths for core and grouped APIs', () => {
    expect(collectionPath({ apiVersion: 'v1', plural: 'pods', namespace: 'istio-system' })).toBe('/api/v1/namespaces/istio-system/pods');
    expect(collectionPath({ apiVersion: 'apps/v1', plural: 'deployments' })).toBe('/apis/apps/v1/deployments');
  });
});

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done) ?? done(undefined));
  server = undefined;
});

/** A cluster whose API server accepts connections and never answers (a hung apiserver), and a client counting its probes. */
async function silentCluster(): Promise<{ client: ClusterClient; probes: () => number }> {
  server = createServer(() => undefined);
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfigText = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'c',
    clusters: [{ name: 'c', cluster: { server: url } }],
    users: [{ name: 'u', user: { token: 'tok-0123456789' } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
  });
  const real = connectCluster({ name: 'east', kubeconfigText, timeoutMs: 300 });
  let probes = 0;
  const version: ClusterClient['version'] = {
    getCode: (param, options) => {
      probes++;
      return real.version.getCode(param, options);
    },
  };
  return { client: { ...real, version, watches: real.watches }, probes: () => probes };
}

describe('watches of a cluster that stopped answering', () => {
  it('share one probe loop: one GET /version every half second for the cluster, not one per watch', async () => {
    const { client, probes } = await silentCluster();
    const stop = new AbortController();
    const kinds = ['services', 'endpoints', 'configmaps', 'secrets', 'namespaces', 'pods', 'serviceaccounts'];
    const watches = kinds.map((plural) =>
      watchResource({
        client,
        apiVersion: 'v1',
        kind: plural,
        plural,
        namespace: 'istio-system',
        signal: stop.signal,
        logger: silentLogger(),
        onChange: () => undefined,
      }),
    );
    const seconds = 3;
    await new Promise((done) => setTimeout(done, seconds * 1000));
    stop.abort();
    await Promise.all(watches.map((w) => w.done));
    // Each watch probing on its own made 7 × 6 = 42 probes in 3 s (refused at once by the breaker);
    // shared, at most one per interval (a few fewer: the lists' timeout comes first).
    expect(probes()).toBeGreaterThan(0);
    expect(probes()).toBeLessThanOrEqual((seconds * 1000) / PROBE_INTERVAL_MS + 1);
  });
});

const KINDS = [
  ['Service', 'services'],
  ['Endpoints', 'endpoints'],
  ['ConfigMap', 'configmaps'],
  ['Secret', 'secrets'],
  ['Namespace', 'namespaces'],
  ['Pod', 'pods'],
  ['ServiceAccount', 'serviceaccounts'],
] as const;

describe('watches starting on many clusters at once', () => {
  it(`list at most ${MAX_LISTS_IN_FLIGHT} at a time across the daemon; every watch still gets its list`, async () => {
    let inFlight = 0;
    let most = 0;
    const listed = new Set<string>();
    server = createServer((req, res) => {
      if (req.url === '/version') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"gitVersion":"v1.34.4"}');
      if (req.url?.includes('watch=true')) return void res.writeHead(200, { 'content-type': 'application/json' }).flushHeaders(); // open, no events
      if (req.url === '/api/v1')
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ resources: KINDS.map(([kind, name]) => ({ name, kind, namespaced: kind !== 'Namespace', verbs: ['list', 'watch'] })) }));
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        listed.add(`${req.headers.authorization} ${req.url}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
      }, 50);
    });
    await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const stop = new AbortController();
    const watches = Array.from({ length: 30 }, (_, i) => {
      const kubeconfigText = stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'c',
        clusters: [{ name: 'c', cluster: { server: url } }],
        users: [{ name: 'u', user: { token: `tok-${i}-0123456789` } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      });
      const client = connectCluster({ name: `c${i}`, kubeconfigText, timeoutMs: 10_000 });
      return KINDS.map(([kind, plural]) =>
        watchResource({ client, apiVersion: 'v1', kind, plural, signal: stop.signal, logger: silentLogger(), onChange: () => undefined }),
      );
    }).flat();
    await Promise.all(watches.map((w) => w.synced));
    stop.abort();
    await Promise.all(watches.map((w) => w.done));
    expect(listed.size).toBe(30 * KINDS.length);
    // 30 clusters × 4 requests each would have put 120 lists in flight.
    expect(most).toBeLessThanOrEqual(MAX_LISTS_IN_FLIGHT);
    expect(most).toBeGreaterThan(MAX_LISTS_IN_FLIGHT / 2);
  });
});
