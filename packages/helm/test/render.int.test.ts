// The render layer against the real helm binary and our example chart.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MeshdError } from '@meshd/core';
import { type KubeObject } from '@meshd/core/kube';
import { binaryPaths } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RenderCache, detectHelm, renderChart, resolveValues, type HelmBinary, type RenderRequest } from '../src/index.js';

const CHART = fileURLToPath(new URL('../../../examples/charts/istio-remote', import.meta.url));
const ENDPOINTS = { pilot: '192.0.2.12', policy: '192.0.2.15', statsd: '192.0.2.17' };
const paths = binaryPaths();
if (!existsSync(paths.helm)) throw new Error(`helm 3 is not built: ${paths.helm} is missing (run \`bash tools/build.sh helm3\`)`);
const binaries = { helm3: paths.helm, helm2: paths.helm2 };
let home: string;
let helm3: HelmBinary;

// Ports exactly as Istio 0.8.0's istio-remote exposes them (reference/istio-0.8.md §3).
const EXPECTED_PORTS: Record<string, string[]> = {
  'istio-pilot': ['15003/TCP', '15005/TCP', '15007/TCP', '15010/TCP', '15011/TCP', '8080/TCP', '9093/TCP'],
  'istio-policy': ['9091/TCP', '15004/TCP', '9093/TCP', '9094/TCP', '9102/TCP', '9125/UDP', '42422/TCP'],
  'istio-statsd-prom-bridge': ['9102/TCP', '9125/UDP'],
};

type Port = { name: string; port: number; protocol: string };
type Endpoints = KubeObject & { subsets: { addresses: { ip: string }[]; ports: Port[] }[] };
type Service = KubeObject & { spec: { clusterIP?: string; selector?: Record<string, string>; ports: Port[] } };
type Deployment = KubeObject & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { serviceAccountName: string; containers: { image: string }[] } };
  };
};
const portsOf = (ports: Port[]): string[] => ports.map((p) => `${p.port}/${p.protocol}`);
const find = (objects: KubeObject[], kind: string, name: string): KubeObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (found === undefined) throw new Error(`${kind} ${name} was not rendered`);
  return found;
};

function request(helm: HelmBinary, values: Record<string, unknown>): RenderRequest {
  return { helm, chartDir: CHART, release: 'istio-remote', namespace: 'istio-system', values, timeoutMs: 60_000 };
}

async function renderError(promise: Promise<unknown>): Promise<MeshdError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof MeshdError) return err;
    throw err;
  }
  throw new Error('the render was expected to fail');
}

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'meshd-helm-home-'));
  const env = { ...process.env, HELM_CONFIG_HOME: home, HELM_CACHE_HOME: home, HELM_DATA_HOME: home, HELM_HOME: home };
  helm3 = { binary: binaries.helm3, major: 3, env };
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('detectHelm (real binary)', () => {
  it('reads Helm 3', async () => {
    expect(await detectHelm(binaries.helm3)).toEqual({ major: 3, version: 'v3.19.5' });
  });
});

describe('renderChart of examples/charts/istio-remote with Helm 3', () => {
  it('renders the 0.8.0 objects, all in istio-system except the cluster-scoped RBAC', async () => {
    const objects = await renderChart(request(helm3, resolveValues({ endpoints: ENDPOINTS })));
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`).sort()).toEqual([
      'apps/v1 Deployment istio-system/istio-citadel',
      'rbac.authorization.k8s.io/v1 ClusterRole -/istio-citadel-istio-system',
      'rbac.authorization.k8s.io/v1 ClusterRoleBinding -/istio-citadel-istio-system',
      'v1 Endpoints istio-system/istio-pilot',
      'v1 Endpoints istio-system/istio-policy',
      'v1 Endpoints istio-system/istio-statsd-prom-bridge',
      'v1 Service istio-system/istio-citadel',
      'v1 Service istio-system/istio-pilot',
      'v1 Service istio-system/istio-policy',
      'v1 Service istio-system/istio-statsd-prom-bridge',
      'v1 ServiceAccount istio-system/istio-citadel-service-account',
    ]);
    for (const obj of objects) {
      expect(Object.keys(obj.metadata.labels ?? {}).sort(), `${obj.kind} ${obj.metadata.name}`).toEqual(
        expect.arrayContaining(['app', 'chart', 'heritage', 'release']),
      );
      expect(obj.metadata.labels?.release).toBe('istio-remote');
    }
  });

  it('points each Endpoints at the given IP with exactly the reference ports, behind a headless selector-less Service', async () => {
    const objects = await renderChart(request(helm3, resolveValues({ endpoints: ENDPOINTS })));
    const ips: Record<string, string> = { 'istio-pilot': '192.0.2.12', 'istio-policy': '192.0.2.15', 'istio-statsd-prom-bridge': '192.0.2.17' };
    for (const [name, ports] of Object.entries(EXPECTED_PORTS)) {
      const endpoints = find(objects, 'Endpoints', name) as Endpoints;
      expect(endpoints.subsets).toHaveLength(1);
      expect(endpoints.subsets[0]!.addresses).toEqual([{ ip: ips[name] }]);
      expect(portsOf(endpoints.subsets[0]!.ports)).toEqual(ports);
      const service = find(objects, 'Service', name) as Service;
      expect(service.spec.clusterIP).toBe('None');
      expect(service.spec.selector).toBeUndefined();
      // Service and Endpoints ports pair up by name: that is how a selector-less Service routes.
      expect(service.spec.ports).toEqual(endpoints.subsets[0]!.ports);
    }
  });

  it('renders Citadel as apps/v1 with a selector matching its pods, and its Service on 8060 and 9093', async () => {
    const objects = await renderChart(request(helm3, resolveValues({ endpoints: ENDPOINTS, userValues: { global: { hub: 'registry.local/istio' } } })));
    const deployment = find(objects, 'Deployment', 'istio-citadel') as Deployment;
    expect(deployment.spec.selector.matchLabels).toEqual({ istio: 'citadel' });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ istio: 'citadel' });
    expect(deployment.spec.template.spec.serviceAccountName).toBe('istio-citadel-service-account');
    expect(deployment.spec.template.spec.containers[0]?.image).toBe('registry.local/istio/citadel:0.8.0');
    const service = find(objects, 'Service', 'istio-citadel') as Service;
    expect(service.spec.selector).toEqual({ istio: 'citadel' });
    expect(service.spec.ports.map((p) => `${p.name}:${p.port}`)).toEqual(['grpc-citadel:8060', 'http-monitoring:9093']);
  });

  it('leaves out the ClusterRole and ClusterRoleBinding when global.rbacEnabled is false', async () => {
    const values = resolveValues({ endpoints: ENDPOINTS, userValues: { global: { rbacEnabled: false } } });
    const kinds = (await renderChart(request(helm3, values))).map((o) => o.kind);
    expect(kinds).not.toContain('ClusterRole');
    expect(kinds).not.toContain('ClusterRoleBinding');
    expect(kinds).toContain('ServiceAccount');
  });

  it("uses the guide's mixerEndpoint for istio-policy when policyEndpoint is unset, and accepts IPv6", async () => {
    const values = { global: { pilotEndpoint: '2001:db8::12', mixerEndpoint: '192.0.2.99', statsdEndpoint: '192.0.2.17' } };
    const objects = await renderChart(request(helm3, values));
    expect((find(objects, 'Endpoints', 'istio-policy') as Endpoints).subsets[0]?.addresses).toEqual([{ ip: '192.0.2.99' }]);
    expect((find(objects, 'Endpoints', 'istio-pilot') as Endpoints).subsets[0]?.addresses).toEqual([{ ip: '2001:db8::12' }]);
  });

  it.each([
    ['istio-pilot.istio-system', 'global.pilotEndpoint must be a literal IPv4 or IPv6 address'],
    ['192.0.2.12:15010', 'global.pilotEndpoint must be a literal IPv4 or IPv6 address'],
    ['127.0.0.1', 'global.pilotEndpoint must not be a loopback, link-local or unspecified address'],
    ['', 'global.pilotEndpoint is required'],
  ])('fails with a clear terminal error for pilotEndpoint %j', async (pilot, message) => {
    const values = { global: { pilotEndpoint: pilot, policyEndpoint: '192.0.2.15', statsdEndpoint: '192.0.2.17' } };
    const err = await renderError(renderChart(request(helm3, values)));
    expect(err.code).toBe('MESHD_ERR_CHART_RENDER');
    expect(err.terminal).toBe(true);
    expect(err.message).toContain('exit code 1');
    expect(err.message).toContain(message);
    expect(err.message).not.toContain('--debug');
  });

  it('renders once for 5 concurrent callers with the same values', async () => {
    let helmRuns = 0;
    const cache = new RenderCache({
      render: (req) => {
        helmRuns += 1;
        return renderChart(req);
      },
    });
    const values = resolveValues({ endpoints: ENDPOINTS });
    const results = await Promise.all(Array.from({ length: 5 }, () => cache.render(request(helm3, structuredClone(values)))));
    expect(helmRuns).toBe(1);
    expect(results.every((r) => r.objects.length === 11 && r.renderKey === results[0]!.renderKey)).toBe(true);
    await cache.render(request(helm3, resolveValues({ endpoints: { ...ENDPOINTS, pilot: '192.0.2.13' } })));
    expect(helmRuns).toBe(2);
  });
});

describe.skipIf(binaries.helm2 === undefined)('renderChart with Helm 2 (skipped until `bash tools/build.sh helm2` built it)', () => {
  let helm2: HelmBinary;
  beforeAll(async () => {
    const helmHome = path.join(home, 'helm2');
    const env = { ...process.env, HELM_HOME: helmHome };
    await promisify(execFile)(binaries.helm2!, ['init', '--client-only', '--skip-repos'], { env });
    helm2 = { binary: binaries.helm2!, major: 2, env };
  });

  it('detects Helm 2 from its client version', async () => {
    expect(await detectHelm(binaries.helm2!, undefined, { env: helm2.env })).toEqual({ major: 2, version: 'v2.17.0' });
  });

  it('renders the same objects as Helm 3 (only the heritage label differs)', async () => {
    const values = resolveValues({ endpoints: ENDPOINTS });
    const withoutHeritage = (objects: KubeObject[]): unknown[] =>
      objects
        .map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, heritage: '-' } } }))
        .sort((a, b) => `${a.kind}/${a.metadata.name}`.localeCompare(`${b.kind}/${b.metadata.name}`));
    const [two, three] = await Promise.all([renderChart(request(helm2, values)), renderChart(request(helm3, values))]);
    expect(two.map((o) => o.metadata.labels?.heritage)).toContain('Tiller');
    expect(withoutHeritage(two)).toEqual(withoutHeritage(three));
  });

  it('fails a hostname endpoint with a clear error', async () => {
    const values = { global: { pilotEndpoint: 'istio-pilot.istio-system', policyEndpoint: '192.0.2.15', statsdEndpoint: '192.0.2.17' } };
    const err = await renderError(renderChart(request(helm2, values)));
    expect(err.message).toContain('global.pilotEndpoint must be a literal IPv4 or IPv6 address');
  });
});
