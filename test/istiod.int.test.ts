// A real istiod (pilot-discovery built from istio.io/istio by tools/build/istiod.sh, run out of
// cluster by testenv) reads the secrets-mode registry meshd publishes with minted credentials.
// Fails, never skips, when istiod is not built: `bash tools/build.sh istiod`.
import { describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { clientOf, meshd, useMesh, writeConfig } from './support/mesh.js';

const PATCH = 'registry: { mode: secrets, secretUpdate: patch }';
const RECREATE = 'registry: { mode: secrets, secretUpdate: recreate }';
// Istio 0.8's Pilot reads what the default reader allows; a current istiod also watches CRDs and its
// mesh ConfigMap `istio` on every remote: the two extra rules an operator of Istio 1.x configures.
const ISTIOD_RULES =
  "rules: [{ apiGroups: [apiextensions.k8s.io], resources: [customresourcedefinitions], verbs: [get, list, watch] }, { apiGroups: [''], resources: [configmaps], resourceNames: [istio], verbs: [get, list, watch] }]";
// Tokens of TokenRequest's minimum lifetime (10 minutes): the rotation test lowers rotateAt to reach it.
const creds = (extra = ''): string => `credentials: { lifetime: 10m, ${ISTIOD_RULES}${extra === '' ? '' : `, ${extra}`} }`;
const SERVICE = 'probe-svc';
const ENDPOINT_IP = '203.0.113.7';

const mesh = useMesh({ count: 3, istiod: true, config: [PATCH, creds()] });

async function clusterz(): Promise<Record<string, string>> {
  const res = await fetch(`${mesh.istiodDebug}/debug/clusterz`);
  const entries = (await res.json()) as { id: string; syncStatus: string }[];
  return Object.fromEntries(entries.map((e) => [e.id, e.syncStatus]));
}

/** The config line that points `meshd verify` at this istiod's monitoring port. */
const istiodUrl = (): string => `istiod: { debugUrl: "${mesh.istiodDebug}" }`;

/** The istiod-sync rows of `meshd verify --json` output, as `cluster=result: detail`. */
function istiodRows(stdout: string): string[] {
  const json = JSON.parse(stdout) as { checks: { check: string; cluster?: string; result: string; detail: string }[] };
  return json.checks.filter((c) => c.check === 'istiod-sync').map((c) => `${c.cluster ?? 'mesh'}=${c.result}: ${c.detail}`);
}

/** Polls `check` every 200 ms for up to `ms`; its last value. */
async function eventually<T>(check: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await check();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    value = await check();
  }
  return value;
}

/** True when istiod's endpoint shards hold ENDPOINT_IP for the probe service from remote-1. */
async function endpointKnown(): Promise<boolean> {
  const res = await fetch(`${mesh.istiodDebug}/debug/endpointShardz`);
  const text = await res.text();
  return text.includes(`${SERVICE}.default.svc.cluster.local`) && text.includes(ENDPOINT_IP) && text.includes('remote-1');
}

describe('istiod reads the registry meshd publishes', () => {
  it('every remote is synced with minted credentials', async () => {
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const state = await eventually(clusterz, (z) => z['remote-1'] === 'synced' && z['remote-2'] === 'synced');
    expect(state).toMatchObject({ cp: 'synced', 'remote-1': 'synced', 'remote-2': 'synced' });
  });

  it("a Service and EndpointSlice created on a remote appear in istiod's registry", async () => {
    const r1 = clientOf(mesh.env.clusters[1]!);
    await r1.core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: SERVICE }, spec: { ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
    });
    await mesh.env.clusters[1]!.kubeConfig()
      .makeApiClient(DiscoveryV1Api)
      .createNamespacedEndpointSlice({
        namespace: 'default',
        body: {
          metadata: { name: `${SERVICE}-1`, labels: { 'kubernetes.io/service-name': SERVICE } },
          addressType: 'IPv4',
          endpoints: [{ addresses: [ENDPOINT_IP], conditions: { ready: true } }],
          ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        },
      });
    expect(await eventually(endpointKnown, (v) => v)).toBe(true);
  });

  it("a rotation in patch mode shows no gap in istiod's endpoints (polled every 20 ms)", async () => {
    let polls = 0;
    let gaps = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        polls += 1;
        if (!(await endpointKnown().catch(() => false))) gaps += 1;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const before = await clusterz();
      expect(before['remote-1']).toBe('synced');
      await writeConfig(mesh.ws, [PATCH, creds('rotateAt: 0.001, retireAfter: 1ms')]);
      await new Promise((r) => setTimeout(r, 1000));
      const rotate = await meshd(mesh.ws, 'apply');
      expect(rotate.code, rotate.stdout + rotate.stderr).toBe(0);
      expect(rotate.stdout).toMatch(/update Secret istio-system\/remote-1/);
      expect(rotate.stdout).not.toMatch(/recreate Secret/);
      // Let istiod swap to the new credential (and the old one be revoked) while the poller watches.
      await new Promise((r) => setTimeout(r, 5000));
      expect(await clusterz()).toMatchObject({ 'remote-1': 'synced', 'remote-2': 'synced' });
    } finally {
      polling = false;
      await poller;
    }
    expect(polls).toBeGreaterThan(20);
    expect(gaps).toBe(0);
  });

  it('a bad new credential (patch mode) keeps the old working cluster', async () => {
    await writeConfig(mesh.ws, [PATCH, creds(), "clusters: { remote-1: { publishedServer: 'https://127.0.0.1:9' } }"]);
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 5000));
    expect(await endpointKnown()).toBe(true);
    await writeConfig(mesh.ws, [PATCH, creds()]);
    expect((await meshd(mesh.ws, 'apply')).code).toBe(0);
    // The repaired Secret is a new cluster to istiod: the next test starts once istiod has synced it.
    expect(await eventually(clusterz, (z) => z['remote-1'] === 'synced' && z['remote-2'] === 'synced')).toMatchObject({
      'remote-1': 'synced',
      'remote-2': 'synced',
    });
  });

  it('meshd verify reads this istiod: istiod-sync ok for every remote, exit 0', async () => {
    await writeConfig(mesh.ws, [PATCH, creds(), istiodUrl()]);
    const run = await meshd(mesh.ws, 'verify', '--json');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(istiodRows(run.stdout)).toEqual([
      'remote-1=ok: istiod: synced (from istio-system/remote-1)',
      'remote-2=ok: istiod: synced (from istio-system/remote-2)',
    ]);
  });

  // A registry Secret naming a server istiod cannot reach (a wrong publishedServer): verify's own
  // credential check still passes (it connects where the operator's kubeconfig says), only istiod fails.
  it('meshd verify names istiod-sync/remote-2 when istiod cannot use its published Secret, and passes once it is fixed', async () => {
    const broken = ["clusters: { remote-2: { publishedServer: 'https://127.0.0.1:9' } }", istiodUrl()];
    await writeConfig(mesh.ws, [RECREATE, creds(), ...broken]);
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/recreate Secret istio-system\/remote-2/);
    expect((await eventually(clusterz, (z) => z['remote-2'] !== undefined && z['remote-2'] !== 'synced'))['remote-2']).toMatch(/^(syncing|timeout)$/);
    const bad = await meshd(mesh.ws, 'verify');
    expect(bad.code, bad.stdout + bad.stderr).toBe(1);
    expect(
      bad.stdout.split('\n').filter((l) => /\sFAILED\s/.test(l)),
      bad.stdout,
    ).toEqual([
      expect.stringMatching(
        /^istiod-sync\s+remote-2\s+FAILED\s+\[MESHD_ERR_\w+\] istiod reports (syncing|timeout) for istio-system\/remote-2: it cannot watch this cluster/,
      ),
    ]);
    expect(bad.stdout).toContain('verify: 1 of 11 checks failed');
    expect(bad.stdout).toMatch(/^credential\s+remote-2\s+ok\s.*note: it names https:\/\/127\.0\.0\.1:9/m);
    // The repair is an in-place update (what README advises with istiod): istiod builds the new cluster
    // beside the broken one and swaps it in once synced. A delete + create makes istiod's one Secret
    // worker delete the unreachable cluster first, which held its queue for over 150 s in a loaded CI.
    await writeConfig(mesh.ws, [PATCH, creds(), istiodUrl()]);
    expect((await meshd(mesh.ws, 'apply')).code).toBe(0);
    expect(await eventually(clusterz, (z) => z['remote-2'] === 'synced', 90_000)).toMatchObject({ 'remote-1': 'synced', 'remote-2': 'synced' });
    const good = await meshd(mesh.ws, 'verify', '--json');
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(istiodRows(good.stdout)).toEqual([
      'remote-1=ok: istiod: synced (from istio-system/remote-1)',
      'remote-2=ok: istiod: synced (from istio-system/remote-2)',
    ]);
    await writeConfig(mesh.ws, [PATCH, creds()]);
  }, 300_000);

  it('a removed descriptor removes the cluster from istiod', async () => {
    await rm(join(mesh.ws.dir, 'remote-2.yaml'));
    await rm(join(mesh.ws.dir, 'remote-2.kube.conf'));
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const state = await eventually(clusterz, (z) => z['remote-2'] === undefined);
    expect(Object.keys(state).sort()).toEqual(['cp', 'remote-1']);
  });
});
