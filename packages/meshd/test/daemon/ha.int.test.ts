// Two daemons on one mesh with leader election: one acts, the other waits and takes over.
import { loadConfig } from '@meshd/core';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { inProcessDaemon } from './in-process.js';
import { addAll, workspace, type MeshWorkspace } from '../../../../test/support/mesh.js';

let env: TestEnv;
let ws: MeshWorkspace;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<number> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
  return Date.now() - start;
}

async function bastion(identity: string): Promise<{ daemon: Daemon; reconciles: () => number }> {
  const config = await loadConfig(ws.configPath, { directory: ws.dir }, { cwd: ws.root, homeDir: ws.root });
  const { daemon, lines } = inProcessDaemon(config, {
    leader: { namespace: 'kube-system', name: 'meshd-ha-test', identity, leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 },
  });
  await daemon.start();
  return { daemon, reconciles: () => lines.filter((l) => l.includes('"msg":"reconciled"')).length };
}

beforeAll(async () => {
  env = await startClusters({ count: 2 });
  ws = await workspace();
  await addAll(ws, env);
}, 300_000);

afterAll(async () => {
  await ws?.cleanup();
  await env?.stop();
});

describe('meshd run --leader-elect on two bastions', () => {
  it('lets only the leader reconcile, and the standby take over when the leader stops', async () => {
    const a = await bastion('bastion-a');
    await until('a leads and reconciles', () => a.daemon.status().leader?.isLeader === true && a.reconciles() > 0);
    const b = await bastion('bastion-b');
    await sleep(2000);
    expect(b.reconciles()).toBe(0);
    const standby = b.daemon.status();
    expect(standby.ready).toBe(false);
    expect(standby.readyReasons).toEqual(['standby: another meshd holds the lease (bastion-a)', 'no reconcile has completed yet']);

    await a.daemon.shutdown('SIGTERM');
    const takeover = await until('b takes over and reconciles', () => b.reconciles() > 0);
    expect(takeover).toBeLessThan(3000);
    // Each cluster is its own key now: the first reconcile done is one of them; ready means every key
    // the won lease enqueued has reconciled once.
    await until('b has reconciled every cluster', () => b.daemon.status().ready === true);
    expect(b.daemon.status().clusters.map((c) => [c.name, c.state])).toEqual([
      ['cp', 'converged'],
      ['remote-1', 'converged'],
    ]);
    await b.daemon.shutdown('SIGTERM');
  });
});
