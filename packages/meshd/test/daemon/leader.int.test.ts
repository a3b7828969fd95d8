import { readFile } from 'node:fs/promises';
import { connectCluster, type ClusterClient } from '@meshd/core/cluster';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../src/daemon/leader/leader.js';
import { silentLogger } from '@meshd/testkit';

let env: TestEnv;
let kubeconfigText: string;

beforeAll(async () => {
  env = await startClusters({ count: 1, names: ['cp'] });
  kubeconfigText = await readFile(env.clusters[0]!.kubeconfigPath, 'utf8');
});

afterAll(async () => {
  await env?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - start;
}

interface Candidate {
  elector: LeaderElector;
  stop: AbortController;
  done: Promise<void>;
  terms: AbortSignal[];
  stopped: number;
}

function candidate(identity: string, lease: string, releaseOnStop: boolean): Candidate {
  const client: ClusterClient = connectCluster({ name: 'cp', kubeconfigText });
  const stop = new AbortController();
  const c = { stop, terms: [] as AbortSignal[], stopped: 0 } as Candidate;
  c.elector = new LeaderElector({
    client,
    namespace: 'kube-system',
    name: lease,
    identity,
    releaseOnStop,
    leaseDurationMs: 2000,
    renewDeadlineMs: 1500,
    retryPeriodMs: 250,
    logger: silentLogger(),
    onStartedLeading: (term) => c.terms.push(term),
    onStoppedLeading: () => void c.stopped++,
  });
  c.done = c.elector.run(stop.signal);
  return c;
}

describe('LeaderElector with a real Lease', () => {
  it('lets one of two lead; the other takes over when the first stops renewing', async () => {
    const a = candidate('bastion-a', 'meshd-crash', false);
    await until('a leads', () => a.elector.isLeader(), 10_000);
    const b = candidate('bastion-b', 'meshd-crash', false);
    await sleep(3000);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.holder()).toBe('bastion-a');

    a.stop.abort(); // a crashes: no release, the lease runs out
    await a.done;
    expect(a.terms[0]?.aborted).toBe(true);
    const takeover = await until('b takes over', () => b.elector.isLeader(), 10_000);
    expect(takeover).toBeGreaterThan(1000);
    expect(takeover).toBeLessThan(4000);
    b.stop.abort();
    await b.done;
  });

  it('hands over at once when the leader stops gracefully', async () => {
    const a = candidate('bastion-a', 'meshd-graceful', true);
    await until('a leads', () => a.elector.isLeader(), 10_000);
    const b = candidate('bastion-b', 'meshd-graceful', true);
    await sleep(1000);
    expect(b.elector.isLeader()).toBe(false);
    a.stop.abort();
    await a.done;
    expect(a.stopped).toBe(1);
    const takeover = await until('b takes over', () => b.elector.isLeader(), 10_000);
    expect(takeover).toBeLessThan(1000);
    b.stop.abort();
    await b.done;
  });
});
