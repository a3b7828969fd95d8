// `meshd verify` against three real clusters: a healthy mesh exits 0 without a single write; then each
// check is broken on the live clusters in turn, verify exits 1 naming exactly that check (and
// cluster), and the break is undone.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetworkingV1Api, type V1Endpoints } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { clientOf, meshd, settledWrites, useMesh, writeConfig } from './support/mesh.js';

interface VerifyJson {
  ok: boolean;
  checks: { check: string; cluster?: string; result: string; detail: string; code?: string }[];
}

const mesh = useMesh({ count: 3, apply: true });

/** Runs `meshd verify --json`: its exit code and the failed checks as `check/cluster`. */
async function verify(): Promise<{ code: number; failed: string[]; json: VerifyJson; stderr: string }> {
  const run = await meshd(mesh.ws, 'verify', '--json');
  const json = JSON.parse(run.stdout) as VerifyJson;
  const failed = json.checks.filter((c) => c.result === 'failed').map((c) => `${c.check}/${c.cluster ?? 'mesh'}`);
  return { code: run.code, failed, json, stderr: run.stderr };
}

/** The bearer token of a published kubeconfig (minted by meshd, or the operator's in `operator` mode). */
function publishedToken(kubeconfig: string): string {
  const token = /^\s*token:\s*"?([^"\s]+)"?\s*$/m.exec(kubeconfig)?.[1];
  if (token === undefined) throw new Error('the published kubeconfig holds no token');
  return token;
}

const detailOf = (json: VerifyJson, check: string, cluster?: string): string =>
  json.checks.find((c) => c.check === check && c.cluster === cluster)?.detail ?? '';

/** A stand-in istiod monitoring port answering /debug/clusterz with `entries`. */
async function fakeClusterz(entries: unknown): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/debug/clusterz' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(entries));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('meshd verify', () => {
  it('exits 0 on a healthy mesh, every check ok (istiod skipped without a debugUrl), and writes nothing', async () => {
    const before = await settledWrites(mesh.env.clusters);
    const run = await meshd(mesh.ws, 'verify');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^CHECK\s+CLUSTER\s+RESULT\s+DETAIL/);
    expect(run.stdout).toContain('verify: every check holds');
    expect(run.stdout).toMatch(/istiod-sync\s+\(mesh\)\s+skipped\s+skipped: no istiod.debugUrl/);
    const { code, json } = await verify();
    expect(code).toBe(0);
    expect(json.ok).toBe(true);
    const rows = json.checks.map((c) => `${c.check}/${c.cluster ?? 'mesh'}=${c.result}`);
    expect(rows).toEqual([
      'directory/mesh=ok',
      'pilot-flags/cp=ok',
      'cidrs/mesh=ok',
      'endpoints/remote-1=ok',
      'endpoints/remote-2=ok',
      'credential/remote-1=ok',
      'credential/remote-2=ok',
      'root-cert/remote-1=ok',
      'root-cert/remote-2=ok',
      'istiod-sync/mesh=skipped',
    ]);
    expect(await writesOfClusters()).toEqual(before);
  });

  it('names a remote whose Endpoints hold a stale Pilot IP', async () => {
    const core = clientOf(mesh.env.clusters[1]!).core;
    const original = await core.readNamespacedEndpoints({ name: 'istio-pilot', namespace: 'istio-system' });
    const stale: V1Endpoints = JSON.parse(JSON.stringify(original)) as V1Endpoints;
    for (const subset of stale.subsets ?? []) subset.addresses = [{ ip: '203.0.113.1' }];
    await core.replaceNamespacedEndpoints({ name: 'istio-pilot', namespace: 'istio-system', body: stale });
    try {
      const { code, failed, json } = await verify();
      expect(code).toBe(1);
      expect(failed).toEqual(['endpoints/remote-1']);
      expect(detailOf(json, 'endpoints', 'remote-1')).toContain(
        `Endpoints istio-pilot holds 203.0.113.1, the live pilot is ${await mesh.env.controlPlane.podIp('pilot')}`,
      );
    } finally {
      const live = await core.readNamespacedEndpoints({ name: 'istio-pilot', namespace: 'istio-system' });
      await core.replaceNamespacedEndpoints({
        name: 'istio-pilot',
        namespace: 'istio-system',
        body: { ...original, metadata: { ...original.metadata, resourceVersion: live.metadata?.resourceVersion } },
      });
    }
    expect((await verify()).code).toBe(0);
  });

  it('names a remote whose published credential is rejected', async () => {
    const cp = clientOf(mesh.env.clusters[0]!).core;
    const cm = await cp.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    const key = 'remote-2.kube.conf';
    const original = cm.data?.[key] ?? '';
    const token = publishedToken(original);
    await cp.replaceNamespacedConfigMap({
      name: 'multicluster',
      namespace: 'istio-system',
      body: { ...cm, data: { ...cm.data, [key]: original.replace(token, 'not-a-valid-token-0000') } },
    });
    try {
      const { code, failed, json } = await verify();
      expect(code).toBe(1);
      expect(failed).toEqual(['credential/remote-2']);
      expect(detailOf(json, 'credential', 'remote-2')).toContain('pods: 401 Unauthorized');
      expect(json.checks.find((c) => c.check === 'credential' && c.cluster === 'remote-2')?.code).toBe('MESHD_ERR_VERIFY');
    } finally {
      const live = await cp.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
      await cp.replaceNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system', body: { ...live, data: { ...live.data, [key]: original } } });
    }
    expect((await verify()).code).toBe(0);
  });

  it('names a remote whose published credential may not list what Pilot reads, resource by resource', async () => {
    const remote = clientOf(mesh.env.clusters[1]!).core;
    await remote.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'no-rights' } } });
    const { status } = await remote.createNamespacedServiceAccountToken({
      name: 'no-rights',
      namespace: 'default',
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const cp = clientOf(mesh.env.clusters[0]!).core;
    const cm = await cp.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
    const key = 'remote-1.kube.conf';
    const original = cm.data?.[key] ?? '';
    await cp.replaceNamespacedConfigMap({
      name: 'multicluster',
      namespace: 'istio-system',
      body: { ...cm, data: { ...cm.data, [key]: original.replace(publishedToken(original), status?.token ?? '') } },
    });
    try {
      const { code, failed, json } = await verify();
      expect(code).toBe(1);
      expect(failed).toEqual(['credential/remote-1']);
      const detail = detailOf(json, 'credential', 'remote-1');
      for (const resource of ['pods', 'services', 'endpoints', 'namespaces', 'nodes']) expect(detail).toContain(`${resource}: 403 Forbidden`);
      expect(detail).not.toContain(status?.token ?? 'no token');
    } finally {
      const live = await cp.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
      await cp.replaceNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system', body: { ...live, data: { ...live.data, [key]: original } } });
      await remote.deleteNamespacedServiceAccount({ name: 'no-rights', namespace: 'default' });
    }
  });

  it('names a remote whose istio.default carries another root certificate', async () => {
    const core = clientOf(mesh.env.clusters[1]!).core;
    const original = await core.readNamespacedSecret({ name: 'istio.default', namespace: 'default' });
    const other = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBother\n-----END CERTIFICATE-----\n').toString('base64');
    await core.replaceNamespacedSecret({
      name: 'istio.default',
      namespace: 'default',
      body: { ...original, data: { ...original.data, 'root-cert.pem': other } },
    });
    try {
      const { code, failed, json } = await verify();
      expect(code).toBe(1);
      expect(failed).toEqual(['root-cert/remote-1']);
      expect(detailOf(json, 'root-cert', 'remote-1')).toContain("default: istio.default root-cert.pem differs from the control plane's");
    } finally {
      const live = await core.readNamespacedSecret({ name: 'istio.default', namespace: 'default' });
      await core.replaceNamespacedSecret({
        name: 'istio.default',
        namespace: 'default',
        body: { ...original, metadata: { ...original.metadata, resourceVersion: live.metadata?.resourceVersion } },
      });
    }
    expect((await verify()).code).toBe(0);
  });

  it('names Pilot running without its multicluster flags', async () => {
    await mesh.env.controlPlane.setPilotMulticluster(false);
    try {
      const { code, failed, json } = await verify();
      expect(code).toBe(1);
      expect(failed).toEqual(['pilot-flags/cp']);
      expect(detailOf(json, 'pilot-flags', 'cp')).toContain('neither --clusterRegistriesConfigMap nor --clusterRegistriesDir');
    } finally {
      await mesh.env.controlPlane.setPilotMulticluster(true);
    }
    expect((await verify()).code).toBe(0);
  });

  it('names remotes istiod has not synced, and passes when /debug/clusterz lists them all synced', async () => {
    const lagging = await fakeClusterz([
      { id: 'cp', secretName: '', syncStatus: 'synced' },
      { id: 'remote-1', secretName: 'istio-system/remote-1', syncStatus: 'synced' },
      { id: 'remote-2', secretName: 'istio-system/remote-2', syncStatus: 'timeout' },
    ]);
    const synced = await fakeClusterz(['remote-1', 'remote-2'].map((id) => ({ id, secretName: `istio-system/${id}`, syncStatus: 'synced' })));
    try {
      await writeConfig(mesh.ws, [`istiod: { debugUrl: "${lagging.url}" }`]);
      const bad = await verify();
      expect(bad.code).toBe(1);
      expect(bad.failed).toEqual(['istiod-sync/remote-2']);
      expect(detailOf(bad.json, 'istiod-sync', 'remote-2')).toContain('istiod reports timeout for istio-system/remote-2');
      await writeConfig(mesh.ws, [`istiod: { debugUrl: "${synced.url}" }`]);
      const good = await verify();
      expect(good.code).toBe(0);
      expect(good.json.checks.filter((c) => c.check === 'istiod-sync').map((c) => `${c.cluster}=${c.result}`)).toEqual(['remote-1=ok', 'remote-2=ok']);
    } finally {
      await writeConfig(mesh.ws);
      lagging.server.close();
      synced.server.close();
    }
  });

  it('names overlapping service CIDRs', async () => {
    const networking = mesh.env.clusters[2]!.kubeConfig().makeApiClient(NetworkingV1Api);
    const cpRange = mesh.env.clusters[0]!.serviceCidr;
    await networking.createServiceCIDR({ body: { metadata: { name: 'overlaps-cp' }, spec: { cidrs: [cpRange] } } });
    try {
      const { code, failed, json } = await verify();
      expect(code).toBe(1);
      expect(failed).toEqual(['cidrs/mesh']);
      expect(detailOf(json, 'cidrs')).toContain(`cp service ${cpRange} overlaps remote-2 service ${cpRange}`);
    } finally {
      await networking.deleteServiceCIDR({ name: 'overlaps-cp' });
    }
  });
});

/** Write requests to meshd's resources on every cluster, once they have settled. */
function writesOfClusters(): Promise<number[]> {
  return settledWrites(mesh.env.clusters);
}
