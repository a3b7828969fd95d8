// Signals sent to the real `meshd run` process: SIGHUP with a broken meshd.yaml keeps the running
// configuration (and says why), SIGHUP with a good one applies it, SIGTERM during a reconcile lets it
// finish and exits 0 within the documented bound (20 s).
import { writeFile } from 'node:fs/promises';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCluster, clientOf, endpointIps, workspace, writeConfig, type MeshWorkspace } from '../../../../test/support/mesh.js';
import { ensureBuilt, startDaemonProcess, until, type DaemonProcess } from './daemon-process.js';
import { releaseInventory } from './remote-objects.js';

let env: TestEnv;
let ws: MeshWorkspace;
let daemon: DaemonProcess;

beforeAll(async () => {
  ensureBuilt();
  env = await startClusters({ count: 3 });
  ws = await workspace();
  await addCluster(ws, env.clusters[0]!);
  await addCluster(ws, env.clusters[1]!);
  daemon = await startDaemonProcess({ dir: ws.dir, config: ws.configPath });
  await daemon.waitReady();
}, 300_000);

afterAll(async () => {
  await daemon?.stop();
  await ws?.cleanup();
  await env?.stop();
});

const context = (): string => daemon.tail();
const logged = (msg: string, after: number) => (): Promise<Record<string, unknown> | undefined> =>
  Promise.resolve(daemon.records().slice(after).find((r) => r.msg === msg));

async function citadelImage(): Promise<string | undefined> {
  const deployment = await clientOf(env.clusters[1]!).apps.readNamespacedDeployment({ name: 'istio-citadel', namespace: 'istio-system' });
  return deployment.spec?.template.spec?.containers[0]?.image;
}

/** Sends SIGHUP and returns the log record that ends the reload. */
async function reload(): Promise<Record<string, unknown>> {
  const from = daemon.records().length;
  daemon.signal('SIGHUP');
  const { value } = await until('the reload to end', async () =>
    (await logged('config reload failed; keeping the previous configuration', from)()) ?? (await logged('configuration reloaded', from)()), { context });
  return value;
}

describe('signals to meshd run', () => {
  it('keeps running with the previous configuration when SIGHUP finds a broken meshd.yaml', async () => {
    await writeFile(ws.configPath, 'chart: [unclosed\n');
    expect((await reload()).msg).toBe('config reload failed; keeping the previous configuration');
    await writeConfig(ws, ['bogusKey: 1']);
    const record = await reload();
    expect(record.msg).toBe('config reload failed; keeping the previous configuration');
    expect(String(record.err)).toContain('bogusKey');
    expect(daemon.hasExited()).toBe(false);
    expect((await daemon.get('/healthz')).status).toBe(200);
    expect((await daemon.get('/readyz')).status).toBe(200);
    const ip = await env.controlPlane.movePilot();
    await until('the old configuration still at work', async () => ((await endpointIps(env.clusters[1]!, 'istio-pilot'))?.[0] === ip ? true : undefined), { context });
    expect(await citadelImage()).toBe('docker.io/istio/citadel:0.8.0');
  });

  it('applies a good meshd.yaml on SIGHUP', async () => {
    await writeConfig(ws, ['values: { global: { tag: 0.8.1 } }']);
    expect((await reload()).msg).toBe('configuration reloaded');
    await until('the new chart values applied', async () => ((await citadelImage()) === 'docker.io/istio/citadel:0.8.1' ? true : undefined), { context });
  });

  it('lets the reconcile in flight finish on SIGTERM and exits 0 within 20 s', async () => {
    await addCluster(ws, env.clusters[2]!);
    await until('remote-2 being reconciled', async () => ((await daemon.status()).queue?.active.includes('remote-2') === true ? true : undefined), { intervalMs: 10, context });
    const started = performance.now();
    daemon.signal('SIGTERM');
    const exit = await daemon.exited;
    const ms = performance.now() - started;
    console.log(`SIGTERM during a join → exit ${exit.code} after ${ms.toFixed(0)} ms`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(20_000);
    const records = daemon.records();
    expect(records.map((r) => r.msg)).toContain('stopped');
    expect(records.find((r) => r.msg === 'reconciled' && r.key === 'remote-2')?.result).toBe('converged');
    expect((await releaseInventory(env.clusters[2]!))?.phase).toBe('applied');
  });
});
