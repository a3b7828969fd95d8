// Issue 15 with the real `meshd run` process: a 2018 chart (test/fixtures/charts/istio-remote-2018)
// whose Deployment and RBAC objects today's API servers do not serve. The daemon applies the rest,
// shows the failure with its code on /status, and parks it: no retries while nothing changes.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endpointIps, writeConfig } from '../../../../test/support/mesh.js';
import { REPO, idleReconciles, reconcilesByKey, sleep, terminalErrors } from '@meshd/testkit';
import { useProcessFixture } from './fixture.js';

const CHART_2018 = resolve(REPO, 'test/fixtures/charts/istio-remote-2018');

const fx = useProcessFixture({
  prepare: (f) => writeConfig(f.ws, [`chart: ${CHART_2018}`]),
  waitReady: false,
});

interface ParkedStatus {
  clusters: { name: string; state: string; lastError?: { code: string; message: string; retry: string } }[];
  queue?: { depth: number; active: string[] };
}

async function remote1(): Promise<ParkedStatus['clusters'][number] | undefined> {
  return ((await fx.daemon.status()) as unknown as ParkedStatus).clusters.find((c) => c.name === 'remote-1');
}

describe('meshd run with a 2018 chart, compat off', () => {
  it('applies the Services and Endpoints and shows the unserved objects with their code, parked', async () => {
    const value = await fx.daemon.waitParked('remote-1');
    expect(value).toMatchObject({ state: 'failed', lastError: { code: 'MESHD_ERR_UNSERVED_API', retry: 'terminal' } });
    expect(value.lastError?.message).toContain('Deployment istio-system/istio-citadel: extensions/v1beta1 is not served by remote-1');
    expect(await endpointIps(fx.env.clusters[1]!, 'istio-pilot')).toEqual([await fx.env.controlPlane.podIp('pilot')]);
    expect(await endpointIps(fx.env.clusters[1]!, 'istio-policy')).toEqual([await fx.env.controlPlane.podIp('policy')]);
  });

  it('does not retry the parked failure: no reconcile over a minute of idling, its error counted and not again', async () => {
    const before = await idleReconciles(fx.daemon);
    const unservedBefore = terminalErrors((await fx.daemon.get('/metrics')).body, 'MESHD_ERR_UNSERVED_API');
    expect(unservedBefore).toBeGreaterThan(0);
    await sleep(60_000);
    const metricsAfter = (await fx.daemon.get('/metrics')).body;
    const after = reconcilesByKey(metricsAfter);
    expect(after).toEqual(before);
    expect(terminalErrors(metricsAfter, 'MESHD_ERR_UNSERVED_API')).toBe(unservedBefore);
    expect((await remote1())?.lastError?.retry).toBe('terminal');
  }, 200_000);
});
