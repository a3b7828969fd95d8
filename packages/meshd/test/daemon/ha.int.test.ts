// Two daemons on one mesh with leader election: one acts, the other waits and takes over.
import { loadConfig } from '@meshd/core';
import { BUILTIN_PLUGINS } from '../../src/plugins.js';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { inProcessDaemon } from './in-process.js';
import { addAll, clientOf, workspace, type MeshWorkspace } from '../../../../test/support/mesh.js';

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

async function bastion(identity: string, lease = 'meshd-ha-test'): Promise<{ daemon: Daemon; reconciles: () => number; lines: string[] }> {
  const config = await loadConfig(ws.configPath, { directory: ws.dir }, { cwd: ws.root, homeDir: ws.root, plugins: BUILTIN_PLUGINS });
  const { daemon, lines } = inProcessDaemon(config, {
    leader: { namespace: 'kube-system', name: lease, identity, leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 },
  });
  await daemon.start();
  return { daemon, reconciles: () => lines.filter((l) => l.includes('"msg":"reconciled"')).length, lines };
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

  it('a leader whose lease is taken stops acting (standby, unready) and leads and reconciles again once the lease is free', async () => {
    const a = await bastion('bastion-a', 'meshd-ha-lost');
    await until('a leads and is ready', () => a.daemon.status().leader?.isLeader === true && a.daemon.status().ready === true);
    // Another holder writes the lease (as a standby that won it across a partition would) and never renews it.
    const client = clientOf(env.clusters[0]!);
    type Lease = { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; spec?: Record<string, unknown> };
    const ref: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'meshd-ha-lost', namespace: 'kube-system' } };
    // The leader renews every few seconds: a renewal between our read and our write is a 409, so read again.
    for (let attempt = 1; ; attempt++) {
      const lease = await client.objects.read<Lease>(ref);
      const renewTime = new Date().toISOString().replace(/Z$/, '000Z');
      const taken = await client.objects
        .replace<Lease>({ ...lease, spec: { ...lease.spec, holderIdentity: 'bastion-x', leaseDurationSeconds: 4, renewTime } })
        .then(() => true)
        .catch((error: unknown) => {
          if (attempt < 5 && error instanceof Error && /HTTP 409/.test(error.message)) return false;
          throw error;
        });
      if (taken) break;
    }

    await until('a steps down', () => a.daemon.status().leader?.isLeader === false);
    const standby = a.daemon.status();
    expect(standby.ready).toBe(false);
    expect(standby.readyReasons).toContain('standby: another meshd holds the lease (bastion-x)');

    await until('a leads again once the lease expired, and is ready', () => a.daemon.status().leader?.isLeader === true && a.daemon.status().ready === true);
    const steppedDown = a.lines.findIndex((l) => l.includes('"msg":"stopped leading"'));
    const ledAgain = a.lines.findIndex((l, i) => i > steppedDown && l.includes('"msg":"became the leader"'));
    expect(steppedDown).toBeGreaterThan(0);
    // Nothing was reconciled on the standby; every key was reconciled again after winning the lease back.
    expect(a.lines.slice(steppedDown, ledAgain).filter((l) => l.includes('"msg":"reconciled"'))).toEqual([]);
    await until('every key reconciled after leading again', () => a.lines.slice(ledAgain).filter((l) => l.includes('"msg":"reconciled"')).length >= 2);
    await a.daemon.shutdown('SIGTERM');
  });
});
