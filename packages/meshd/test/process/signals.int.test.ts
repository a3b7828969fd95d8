// Signals sent to the real `meshd run` process: SIGHUP with a broken meshd.yaml keeps the running
// configuration (and says why), SIGHUP with a good one applies it, SIGTERM during a reconcile lets it
// finish and exits 0 within the documented bound (20 s).
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { addCluster, clientOf, endpointIps, writeConfig } from '../../../../test/support/mesh.js';
import { until } from '@meshd/testkit';
import { useProcessFixture } from './fixture.js';
import { releaseInventory } from '../../../../test/support/remote-objects.js';

const fx = useProcessFixture();

const context = (): string => fx.daemon.tail();
const logged = (msg: string, after: number) => (): Promise<Record<string, unknown> | undefined> =>
  Promise.resolve(
    fx.daemon
      .records()
      .slice(after)
      .find((r) => r.msg === msg),
  );

async function citadelImage(): Promise<string | undefined> {
  const deployment = await clientOf(fx.env.clusters[1]!).apps.readNamespacedDeployment({ name: 'istio-citadel', namespace: 'istio-system' });
  return deployment.spec?.template.spec?.containers[0]?.image;
}

/** Sends SIGHUP and returns the log record that ends the reload. */
async function reload(): Promise<Record<string, unknown>> {
  const from = fx.daemon.records().length;
  fx.daemon.signal('SIGHUP');
  const { value } = await until(
    'the reload to end',
    async () => (await logged('config reload failed; keeping the previous configuration', from)()) ?? (await logged('configuration reloaded', from)()),
    { context },
  );
  return value;
}

describe('signals to meshd run', () => {
  it('keeps running with the previous configuration when SIGHUP finds a broken meshd.yaml', async () => {
    await writeFile(fx.ws.configPath, 'chart: [unclosed\n');
    expect((await reload()).msg).toBe('config reload failed; keeping the previous configuration');
    await writeFile(fx.ws.configPath, '');
    const empty = await reload();
    expect(empty.msg).toBe('config reload failed; keeping the previous configuration');
    expect(empty.err).toBe(`config file ${fx.ws.configPath} is empty; keeping the running configuration`);
    await writeConfig(fx.ws, ['bogusKey: 1']);
    const record = await reload();
    expect(record.msg).toBe('config reload failed; keeping the previous configuration');
    expect(String(record.err)).toContain('bogusKey');
    expect(fx.daemon.hasExited()).toBe(false);
    expect((await fx.daemon.get('/healthz')).status).toBe(200);
    expect((await fx.daemon.get('/readyz')).status).toBe(200);
    const ip = await fx.env.controlPlane.movePilot();
    await until('the old configuration still at work', async () => ((await endpointIps(fx.env.clusters[1]!, 'istio-pilot'))?.[0] === ip ? true : undefined), {
      context,
    });
    expect(await citadelImage()).toBe('docker.io/istio/citadel:0.8.0');
  });

  it('applies a good meshd.yaml on SIGHUP', async () => {
    await writeConfig(fx.ws, ['values: { global: { tag: 0.8.1 } }']);
    expect((await reload()).msg).toBe('configuration reloaded');
    await until('the new chart values applied', async () => ((await citadelImage()) === 'docker.io/istio/citadel:0.8.1' ? true : undefined), { context });
  });

  it('lets the reconcile in flight finish on SIGTERM and exits 0 within 20 s', async () => {
    await addCluster(fx.ws, fx.env.clusters[2]!);
    await until('remote-2 being reconciled', async () => ((await fx.daemon.status()).queue?.active.includes('remote-2') === true ? true : undefined), {
      intervalMs: 10,
      context,
    });
    const started = performance.now();
    fx.daemon.signal('SIGTERM');
    const exit = await fx.daemon.exited;
    const ms = performance.now() - started;
    console.log(`SIGTERM during a join → exit ${exit.code} after ${ms.toFixed(0)} ms`);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(20_000);
    const records = fx.daemon.records();
    expect(records.map((r) => r.msg)).toContain('stopped');
    expect(records.find((r) => r.msg === 'reconciled' && r.key === 'remote-2')?.result).toBe('converged');
    expect((await releaseInventory(fx.env.clusters[2]!))?.phase).toBe('applied');
  });
});
