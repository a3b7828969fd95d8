// Issue 15 with the tiller backend and a real Tiller: the 2018-style chart (test/fixtures/charts/
// istio-remote-2018) on a remote installed through Tiller. meshd checks the rendered objects against
// what the cluster serves before calling Tiller (which would refuse the whole release): `meshd apply`
// names the objects, points at helm-template with compat.convertRemovedApis, gives the code and exits
// 1 without creating a release; `meshd run` shows the same failure on /status and parks it.
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryPaths } from '@meshd/testenv';
import { reconcilesByKey, sleep, startDaemonProcess, until, type DaemonProcess } from '@meshd/testkit';
import { meshd, releaseRevisions, useMesh } from './support/mesh.js';

const CHART_2018 = resolve(import.meta.dirname, 'fixtures/charts/istio-remote-2018');
/** The objects of the 2018 chart no API server of today serves, with the release that removed their version. */
const UNSERVED = [
  ['Deployment', 'istio-system/istio-citadel', 'extensions/v1beta1', '1.16'],
  ['ClusterRole', 'istio-citadel-istio-system', 'rbac.authorization.k8s.io/v1beta1', '1.22'],
  ['ClusterRoleBinding', 'istio-citadel-istio-system', 'rbac.authorization.k8s.io/v1beta1', '1.22'],
] as const;

/** The remote that uses the tiller backend (clusters.remote-1.backend: tiller). */
const REMOTE = 'remote-1';
const mesh = useMesh({
  count: 2,
  tiller: true,
  config: (env) => [
    `chart: ${CHART_2018}`,
    `tiller: { helmBinary: ${binaryPaths().helm2!} }`,
    `clusters: { ${REMOTE}: { backend: tiller, tillerHost: "${env.clusters[1]!.tillerHost!}" } }`,
  ],
});
let daemon: DaemonProcess | undefined;

afterAll(async () => {
  await daemon?.stop();
});

interface ParkedCluster {
  name: string;
  state: string;
  lastError?: { code: string; message: string; retry: string };
}

/** Asserts the pre-check's message: every unserved object, Tiller not called, the helm-template hint. */
function expectPrecheck(text: string): void {
  expect(text).toContain(`${REMOTE} cannot accept ${UNSERVED.length} object(s) of this chart, so Tiller would refuse the whole release`);
  for (const [kind, name, apiVersion, removed] of UNSERVED) {
    expect(text).toMatch(new RegExp(`${kind} ${name}: ${apiVersion} is not served by ${REMOTE} \\(v1\\.\\d+\\.\\d+[^;]*; removed in ${removed}\\)`));
  }
  expect(text).toContain('Tiller was not called');
  expect(text).toContain(`Install this chart with the helm-template backend and compat.convertRemovedApis: true (clusters.${REMOTE}.backend: helm-template)`);
}

describe('a 2018 chart on a Tiller remote', () => {
  it('meshd apply names what the cluster cannot accept, points at helm-template with compat, gives the code, exits 1 and creates no release', async () => {
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expectPrecheck(run.stdout);
    expect(run.stdout).toContain('MESHD_ERR_UNSERVED_API');
    expect(await releaseRevisions(mesh.remote(1))).toEqual([]);
  });

  it('meshd run shows the failure with its code on /status and parks it: no retry while nothing changes', async () => {
    daemon = await startDaemonProcess({ dir: mesh.ws.dir, config: mesh.ws.configPath });
    const context = (): string => daemon?.tail() ?? '';
    const parked = async (): Promise<ParkedCluster | undefined> => {
      const status = (await daemon!.status()) as unknown as { clusters: ParkedCluster[] };
      const c = status.clusters.find((s) => s.name === REMOTE);
      return c?.lastError?.retry === 'terminal' ? c : undefined;
    };
    const { value } = await until(`${REMOTE} parked`, parked, { timeoutMs: 120_000, context });
    expect(value).toMatchObject({ lastError: { code: 'MESHD_ERR_UNSERVED_API', retry: 'terminal' } });
    expectPrecheck(value.lastError?.message ?? '');
    // Idle: the queue empty and the reconcile counts unchanged over 10 polls in a row.
    let last = '';
    let same = 0;
    const { value: before } = await until(
      'the daemon to go idle',
      async () => {
        const [status, metrics] = await Promise.all([daemon!.status(), daemon!.get('/metrics')]);
        const counts = JSON.stringify([...reconcilesByKey(metrics.body)]);
        const busy = (status.queue?.depth ?? 0) > 0 || (status.queue?.active.length ?? 0) > 0;
        same = counts === last && !busy ? same + 1 : 0;
        last = counts;
        return same >= 10 ? counts : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 200, context },
    );
    await sleep(20_000);
    expect(JSON.stringify([...reconcilesByKey((await daemon.get('/metrics')).body)])).toBe(before);
    expect((await parked())?.lastError?.code).toBe('MESHD_ERR_UNSERVED_API');
    expect(await releaseRevisions(mesh.remote(1))).toEqual([]);
  }, 240_000);
});
