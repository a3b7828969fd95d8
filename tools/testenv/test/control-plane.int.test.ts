import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusters, type TestEnv } from '@meshd/testenv';

let env: TestEnv;
let core: CoreV1Api;

beforeAll(async () => {
  env = await startClusters({ count: 2 });
  core = env.clusters[0]!.kubeConfig().makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await env?.stop();
});

const isReady = (p: V1Pod): boolean => p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
const inPodCidr = (ip: string | undefined): boolean => /^10\.16\.\d+\.\d+$/.test(ip ?? '');

async function pods(labelSelector: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: 'istio-system', labelSelector })).items;
}

const decoded = (data: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));

describe('stand-in Istio 0.8 control plane on cp', () => {
  it.each([
    ['istio=pilot'],
    ['istio=mixer,istio-mixer-type=policy'],
    ['istio=mixer,istio-mixer-type=telemetry'],
    ['istio=statsd-prom-bridge'],
    ['istio=citadel'],
  ])('has one Running and Ready pod for %s with an IP in the pod CIDR', async (selector) => {
    const found = await pods(selector);
    expect(found).toHaveLength(1);
    expect(isReady(found[0]!)).toBe(true);
    expect(inPodCidr(found[0]!.status?.podIP)).toBe(true);
  });

  it('gives every pod a distinct IP', async () => {
    const ips = (await pods('istio')).map((p) => p.status?.podIP);
    expect(new Set(ips).size).toBe(ips.length);
  });

  it('has the Deployments, Pilot configured for multicluster', async () => {
    const apps = env.clusters[0]!.kubeConfig().makeApiClient(AppsV1Api);
    const names = (await apps.listNamespacedDeployment({ namespace: 'istio-system' })).items.map((d) => d.metadata?.name).sort();
    expect(names).toEqual(['istio-citadel', 'istio-pilot', 'istio-policy', 'istio-statsd-prom-bridge', 'istio-telemetry']);
    const pilot = await apps.readNamespacedDeployment({ name: 'istio-pilot', namespace: 'istio-system' });
    const discovery = pilot.spec?.template.spec?.containers.find((c) => c.name === 'discovery');
    expect(discovery?.args).toContain('--clusterRegistriesConfigMap');
    await env.controlPlane.setPilotMulticluster(false);
    const plain = await apps.readNamespacedDeployment({ name: 'istio-pilot', namespace: 'istio-system' });
    expect(plain.spec?.template.spec?.containers.find((c) => c.name === 'discovery')?.args).not.toContain('--clusterRegistriesConfigMap');
    await env.controlPlane.setPilotMulticluster(true);
  });

  it('movePilot replaces the Pilot pod with one at a new IP', async () => {
    const [before] = await pods('istio=pilot');
    const newIp = await env.controlPlane.movePilot();
    const after = await pods('istio=pilot');
    expect(after).toHaveLength(1);
    expect(after[0]!.metadata?.name).not.toBe(before!.metadata?.name);
    expect(after[0]!.status?.podIP).toBe(newIp);
    expect(newIp).not.toBe(before!.status?.podIP);
    expect(isReady(after[0]!)).toBe(true);
    expect(await env.controlPlane.podIp('pilot')).toBe(newIp);
  });

  it('a move brings the new pod up as a kubelet does: Running at its IP, not Ready, then Ready', async () => {
    const [before] = await pods('istio=pilot');
    let readyCalled = false;
    const moving = env.controlPlane.movePilot(() => void (readyCalled = true), { readyAfterMs: 1500 });
    let starting: V1Pod | undefined;
    while (!starting) {
      starting = (await pods('istio=pilot')).find((p) => p.metadata?.name !== before!.metadata?.name && p.status?.podIP);
      if (!starting) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(starting.status?.phase).toBe('Running');
    expect(isReady(starting)).toBe(false);
    expect(readyCalled).toBe(false);
    const newIp = await moving;
    expect(starting.status?.podIP).toBe(newIp);
    const [after] = await pods('istio=pilot');
    expect(after!.metadata?.name).toBe(starting.metadata?.name);
    expect(isReady(after!)).toBe(true);
    expect(readyCalled).toBe(true);
  });

  it('movePolicy moves the policy Mixer only', async () => {
    const telemetry = await env.controlPlane.podIp('telemetry');
    const oldPolicy = await env.controlPlane.podIp('policy');
    const newPolicy = await env.controlPlane.movePolicy();
    expect(newPolicy).not.toBe(oldPolicy);
    expect((await pods('istio=mixer,istio-mixer-type=policy')).map((p) => p.status?.podIP)).toEqual([newPolicy]);
    expect(await env.controlPlane.podIp('telemetry')).toBe(telemetry);
  });

  it.each(['istio-system', 'default', 'app-1', 'app-2'])('has istio.default in %s with real certificates from the root CA', async (namespace) => {
    const secret = await core.readNamespacedSecret({ name: 'istio.default', namespace });
    expect(secret.type).toBe('istio.io/key-and-cert');
    expect(secret.metadata?.annotations?.['istio.io/service-account.name']).toBe('default');
    const data = decoded(secret.data);
    expect(Object.keys(data).sort()).toEqual(['cert-chain.pem', 'key.pem', 'root-cert.pem']);
    const cert = new X509Certificate(data['cert-chain.pem']!);
    expect(cert.checkIssued(new X509Certificate(data['root-cert.pem']!))).toBe(true);
    expect(cert.subjectAltName).toBe(`URI:spiffe://cluster.local/ns/${namespace}/sa/default`);
  });

  it('labels the app namespaces for injection and keeps the CA in istio-ca-secret', async () => {
    const ns = await core.readNamespace({ name: 'app-1' });
    expect(ns.metadata?.labels?.['istio-injection']).toBe('enabled');
    const ca = await core.readNamespacedSecret({ name: 'istio-ca-secret', namespace: 'istio-system' });
    expect(ca.type).toBe('istio.io/ca-root');
    expect(decoded(ca.data)['ca-cert.pem']).toBe(env.controlPlane.rootCertPem);
  });

  it('rotateIstioDefault re-issues the secret with new content', async () => {
    const before = decoded((await core.readNamespacedSecret({ name: 'istio.default', namespace: 'app-2' })).data);
    const returned = await env.controlPlane.rotateIstioDefault('app-2');
    const after = decoded((await core.readNamespacedSecret({ name: 'istio.default', namespace: 'app-2' })).data);
    expect(after).toEqual(returned);
    expect(after['cert-chain.pem']).not.toBe(before['cert-chain.pem']);
    expect(after['key.pem']).not.toBe(before['key.pem']);
    expect(after['root-cert.pem']).toBe(before['root-cert.pem']);
  });

  it('puts no Istio on the remote cluster', async () => {
    const remote = env.clusters[1]!.kubeConfig().makeApiClient(CoreV1Api);
    expect((await remote.listNamespace()).items.map((n) => n.metadata?.name)).not.toContain('istio-system');
  });
});
