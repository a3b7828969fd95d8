// The bastion's clock jumps forward an hour (NTP after a long suspend, an operator's `date -s`) under
// the running daemon, in-process against three real clusters with the work queue on an injected
// clock: no mass resync storm (every key reconciled at once), no credential copy deleted or
// recreated early, and the daemon still follows changes afterwards (a clock jump read as "everything
// expired": credentials and leases judged on wall-clock time).
import { meshdConfigSchemaFor } from '@meshd/core';
import { BUILTIN_PLUGINS } from '../../src/plugins.js';
import { binaryPaths, startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/daemon.js';
import { systemClock, type Clock } from '../../src/daemon/process/clock.js';
import { inProcessDaemon } from './in-process.js';
import { addAll, CHART, clientOf, stateDirOf, workspace, MESHD_RESOURCES, type MeshWorkspace } from '../../../../test/support/mesh.js';
import { reconcilesByKey, sleep, until } from '@meshd/testkit';

let env: TestEnv;
let ws: MeshWorkspace;
let daemon: Daemon;
let url = '';
let offsetMs = 0;
let logs: string[] = [];

/** The real clock, moved by `offsetMs`: what the queue sees when the bastion's clock jumps. */
const jumpingClock: Clock = {
  now: () => Date.now() + offsetMs,
  setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
  clearTimeout: (handle) => systemClock.clearTimeout(handle),
};

beforeAll(async () => {
  env = await startClusters({ count: 3 });
  ws = await workspace();
  await addAll(ws, env);
  const config = meshdConfigSchemaFor(BUILTIN_PLUGINS).parse({
    directory: ws.dir,
    chart: CHART,
    helm: { binary: binaryPaths().helm },
    stateDirectory: stateDirOf(ws),
    resync: '10m',
    secrets: { namespaces: ['default'] },
  });
  const made = inProcessDaemon(config, { clock: jumpingClock });
  daemon = made.daemon;
  logs = made.lines;
  url = await daemon.start();
}, 300_000);

afterAll(async () => {
  await daemon?.shutdown('test done');
  await ws?.cleanup();
  await env?.stop();
});

const context = (): string => logs.slice(-15).join('');

async function reconciles(): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return [...reconcilesByKey(metrics).values()].reduce((a, b) => a + b, 0);
}

async function copies(): Promise<string[]> {
  return Promise.all(
    env.clusters.slice(1).map(async (c) => (await clientOf(c).core.readNamespacedSecret({ name: 'istio.default', namespace: 'default' })).metadata?.uid ?? ''),
  );
}

it('the clock jumps forward an hour: no resync storm, no credential copy deleted early, changes still followed', async () => {
  await until(
    'every cluster converged',
    () => Promise.resolve(daemon.status().clusters.every((c) => c.state === 'converged') && daemon.status().clusters.length === 3 ? true : undefined),
    { timeoutMs: 120_000, context },
  );
  await daemon.queue.whenIdle();
  await sleep(2000);
  const before = {
    reconciles: await reconciles(),
    copies: await copies(),
    deletes: await Promise.all(env.clusters.map((c) => c.writeRequestCount({ resources: MESHD_RESOURCES, verbs: ['DELETE'] }))),
  };

  offsetMs += 3_600_000;
  await sleep(5000);
  await daemon.queue.whenIdle();
  expect((await reconciles()) - before.reconciles, 'reconciles in the 5 s after the jump').toBeLessThanOrEqual(1);
  expect(await copies()).toEqual(before.copies);
  expect(await Promise.all(env.clusters.map((c) => c.writeRequestCount({ resources: MESHD_RESOURCES, verbs: ['DELETE'] })))).toEqual(before.deletes);

  const rotated = await env.controlPlane.rotateIstioDefault('default');
  await until(
    'the rotated istio.default on every remote',
    async () => {
      const data = await Promise.all(
        env.clusters
          .slice(1)
          .map(async (c) => (await clientOf(c).core.readNamespacedSecret({ name: 'istio.default', namespace: 'default' })).data?.['cert-chain.pem']),
      );
      return data.every((d) => Buffer.from(d ?? '', 'base64').toString('utf8') === rotated['cert-chain.pem']) ? true : undefined;
    },
    { timeoutMs: 30_000, context },
  );
  expect(await copies()).toEqual(before.copies);
}, 180_000);
