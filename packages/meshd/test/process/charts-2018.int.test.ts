// Issue 15 with the real `meshd run` process: a 2018 chart (test/fixtures/charts/istio-remote-2018)
// whose Deployment and RBAC objects today's API servers do not serve. The daemon applies the rest,
// shows the failure with its code on /status, and parks it: no retries while nothing changes.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointIps, writeConfig } from '../../../../test/support/mesh.js';
import { REPO, reconcilesByKey, sleep, until } from './daemon-process.js';
import { useProcessFixture } from './fixture.js';

const CHART_2018 = resolve(REPO, 'test/fixtures/charts/istio-remote-2018');

const fx = useProcessFixture({
  prepare: (f) => writeConfig(f.ws, [`chart: ${CHART_2018}`]),
  waitReady: false,
});

const context = (): string => fx.daemon.tail();

interface ParkedStatus {
  clusters: { name: string; state: string; lastError?: { code: string; message: string; retry: string } }[];
  queue?: { depth: number; active: string[] };
}

async function remote1(): Promise<ParkedStatus['clusters'][number] | undefined> {
  return ((await fx.daemon.status()) as unknown as ParkedStatus).clusters.find((c) => c.name === 'remote-1');
}

/** meshd_errors_total for the parked unserved-API failures (0 when absent). */
function unservedErrors(metrics: string): number {
  return Number(/meshd_errors_total\{code="MESHD_ERR_UNSERVED_API",retry="terminal"\} (\d+)/.exec(metrics)?.[1] ?? 0);
}

/** Reconcile counts once the queue is empty and the counts stopped changing (a few polls in a row). */
async function idleReconciles(): Promise<Map<string, number>> {
  let last = '';
  let same = 0;
  const { value } = await until('the daemon to go idle', async () => {
    const [metrics, status] = await Promise.all([fx.daemon.get('/metrics'), fx.daemon.status()]);
    const counts = reconcilesByKey(metrics.body);
    const text = JSON.stringify([...counts]);
    const busy = (status.queue?.depth ?? 0) > 0 || (status.queue?.active.length ?? 0) > 0;
    same = text === last && !busy ? same + 1 : 0;
    last = text;
    return same >= 10 ? counts : undefined;
  }, { timeoutMs: 120_000, intervalMs: 200, context });
  return value;
}

describe('meshd run with a 2018 chart, compat off', () => {
  it('applies the Services and Endpoints and shows the unserved objects with their code, parked', async () => {
    const { value } = await until('remote-1 parked', async () => {
      const c = await remote1();
      return c?.lastError?.retry === 'terminal' ? c : undefined;
    }, { timeoutMs: 120_000, context });
    expect(value).toMatchObject({ state: 'failed', lastError: { code: 'MESHD_ERR_UNSERVED_API', retry: 'terminal' } });
    expect(value.lastError?.message).toContain('Deployment istio-system/istio-citadel: extensions/v1beta1 is not served by remote-1');
    expect(await endpointIps(fx.env.clusters[1]!, 'istio-pilot')).toEqual([await fx.env.controlPlane.podIp('pilot')]);
    expect(await endpointIps(fx.env.clusters[1]!, 'istio-policy')).toEqual([await fx.env.controlPlane.podIp('policy')]);
  });

  it('does not retry the parked failure: no reconcile over a minute of idling, its error counted and not again', async () => {
    const before = await idleReconciles();
    const unservedBefore = unservedErrors((await fx.daemon.get('/metrics')).body);
    expect(unservedBefore).toBeGreaterThan(0);
    await sleep(60_000);
    const metricsAfter = (await fx.daemon.get('/metrics')).body;
    const after = reconcilesByKey(metricsAfter);
    expect(after).toEqual(before);
    expect(unservedErrors(metricsAfter)).toBe(unservedBefore);
    expect((await remote1())?.lastError?.retry).toBe('terminal');
  }, 200_000);
});
