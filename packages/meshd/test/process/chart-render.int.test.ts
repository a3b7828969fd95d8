// Issue 14 (errors as data) with the real `meshd run` process, real helm and real API servers: a
// values override that makes `helm template` fail (an endpoint that is not an IP) is a terminal
// MESHD_ERR_CHART_RENDER. The daemon writes nothing for that remote, shows the code on /status and
// in `meshd status`, does not retry it while nothing changes, and converges once the input changes.
import { describe, expect, it } from 'vitest';
import { endpointIps, writeConfig } from '../../../../test/support/mesh.js';
import { main } from '../../src/cli/main.js';
import { captureIo } from '@meshd/testkit';
import { idleReconciles, reconcilesByKey, sleep, terminalErrors, until, type StatusBody } from '@meshd/testkit';
import { useProcessFixture } from './fixture.js';

const BROKEN_VALUES = 'clusters: { remote-1: { values: { global: { pilotEndpoint: pilot.example.invalid } } } }';

const fx = useProcessFixture({
  prepare: (f) => writeConfig(f.ws, [BROKEN_VALUES]),
  waitReady: false,
});

const context = (): string => fx.daemon.tail();

type ClusterBody = StatusBody['clusters'][number];

/** `meshd status ARGS` in-process against the running daemon: its exit code and output. */
async function meshdStatus(...args: string[]): Promise<{ code: number; stdout: string }> {
  const io = captureIo(fx.ws.root);
  const code = await main(['node', 'meshd', 'status', '--url', fx.daemon.url, ...args], io);
  return { code, stdout: io.stdoutText };
}

async function remote1(): Promise<ClusterBody | undefined> {
  return (await fx.daemon.status()).clusters.find((c) => c.name === 'remote-1');
}

describe('meshd run with values that make helm template fail', () => {
  it('reports the remote failed with MESHD_ERR_CHART_RENDER, parked, and writes nothing on it', async () => {
    const value = await fx.daemon.waitParked('remote-1');
    expect(value).toMatchObject({ state: 'failed', reachable: true, lastError: { code: 'MESHD_ERR_CHART_RENDER', retry: 'terminal' } });
    expect(value.lastError?.message).toContain('global.pilotEndpoint must be a literal IPv4 or IPv6 address');
    expect(value.lastError?.message).toContain('pilot.example.invalid');
    expect(await endpointIps(fx.env.clusters[1]!, 'istio-pilot')).toBeUndefined();
  });

  it('shows the code in meshd status (a CODE column, parked) and in meshd status --json', async () => {
    const table = await meshdStatus();
    expect(table.stdout).toMatch(/^CLUSTER\s+ROLE\s+REACHABLE\s+VERSION\s+STATE\s+RELEASE\s+SECRETS\s+CODE\s+LAST ERROR$/m);
    expect(table.stdout).toMatch(/^remote-1\s+remote\s+yes\s+\S+\s+failed\s+failed\s+\S+\s+MESHD_ERR_CHART_RENDER \(parked\)\s+helm-template: /m);
    const json = JSON.parse((await meshdStatus('--json')).stdout) as StatusBody;
    expect(json.clusters.find((c) => c.name === 'remote-1')?.lastError).toMatchObject({ code: 'MESHD_ERR_CHART_RENDER', retry: 'terminal' });
    expect(json.clusters.find((c) => c.name === 'cp')).toMatchObject({ state: 'converged' });
  });

  it('does not retry it while nothing changes: no reconcile and no new error over 20 backoff base delays', async () => {
    const before = await idleReconciles(fx.daemon);
    const errorsBefore = terminalErrors((await fx.daemon.get('/metrics')).body, 'MESHD_ERR_CHART_RENDER');
    expect(errorsBefore).toBeGreaterThan(0);
    // Retried with backoff (500 ms doubling), 10 s would hold 4 retries or more.
    await sleep(10_000);
    const metrics = (await fx.daemon.get('/metrics')).body;
    expect(reconcilesByKey(metrics)).toEqual(before);
    expect(terminalErrors(metrics, 'MESHD_ERR_CHART_RENDER')).toBe(errorsBefore);
    expect((await remote1())?.lastError?.code).toBe('MESHD_ERR_CHART_RENDER');
  }, 200_000);

  it('converges the remote once its input changes (meshd.yaml fixed, SIGHUP)', async () => {
    await writeConfig(fx.ws, []);
    fx.daemon.signal('SIGHUP');
    const { value } = await until(
      'remote-1 converged',
      async () => {
        const c = await remote1();
        return c?.state === 'converged' ? c : undefined;
      },
      { timeoutMs: 120_000, context },
    );
    expect(value.lastError).toBeUndefined();
    expect(await endpointIps(fx.env.clusters[1]!, 'istio-pilot')).toEqual([await fx.env.controlPlane.podIp('pilot')]);
  }, 200_000);
});
