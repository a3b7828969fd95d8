// Minted registry credentials (issue 13): a least-privilege reader per remote, short-lived tokens,
// rotation and revocation, checked on real kube-apiservers with the minted kubeconfig itself.
import { describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthorizationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { addAll, clientOf, meshd, useMesh, workspace, writeConfig } from './support/mesh.js';

const SECRETS = 'registry: { mode: secrets }';
const mesh = useMesh({ count: 3, config: [SECRETS, 'credentials: { lifetime: 10m }'] });

/** The kubeconfig the registry publishes for a remote (undefined: no Secret). */
async function published(name: string): Promise<string | undefined> {
  const list = await clientOf(mesh.env.clusters[0]!).core.listNamespacedSecret({ namespace: 'istio-system', labelSelector: 'istio/multiCluster=true' });
  const secret = list.items.find((s) => s.metadata?.name === name);
  const data = secret?.data?.[name];
  return data === undefined ? undefined : Buffer.from(data, 'base64').toString('utf8');
}

function tokenOf(kubeconfig: string): string {
  const k = parse(kubeconfig) as { users: { user: { token: string } }[] };
  return k.users[0]?.user.token ?? '';
}

function kubeConfigOf(text: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}

/** HTTP status of listing pods with a kubeconfig (200, or the API's error code). */
async function listPodsStatus(kubeconfig: string): Promise<number> {
  try {
    await kubeConfigOf(kubeconfig).makeApiClient(CoreV1Api).listPodForAllNamespaces({ limit: 1 });
    return 200;
  } catch (err) {
    return (err as { code?: number }).code ?? 0;
  }
}

/** The status listPodsStatus settles on within 15 s (the API server learns of a deleted binding object through its informers). */
async function settledStatus(kubeconfig: string, want: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  let status = await listPodsStatus(kubeconfig);
  while (status !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    status = await listPodsStatus(kubeconfig);
  }
  return status;
}

async function allowed(kubeconfig: string, attrs: { verb: string; resource: string; group?: string; namespace?: string }): Promise<boolean> {
  const review = await kubeConfigOf(kubeconfig)
    .makeApiClient(AuthorizationV1Api)
    .createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            group: attrs.group ?? '',
            resource: attrs.resource,
            verb: attrs.verb,
            ...(attrs.namespace ? { namespace: attrs.namespace } : {}),
          },
        },
      },
    });
  return review.status?.allowed === true;
}

describe('minted credentials (the default)', () => {
  it("apply publishes, per remote, a kubeconfig with inline CA, a reader token and the descriptor's server", async () => {
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const text = await published('remote-1');
    expect(text).toBeDefined();
    const k = parse(text ?? '') as { clusters: { cluster: Record<string, string> }[]; users: { user: Record<string, unknown> }[] };
    expect(k.clusters[0]?.cluster.server).toBe(mesh.env.clusters[1]!.server);
    expect(k.clusters[0]?.cluster['certificate-authority-data']).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Object.keys(k.users[0]?.user ?? {})).toEqual(['token']);
    expect(tokenOf(text ?? '')).not.toBe(mesh.env.clusters[1]!.token);
    expect(await listPodsStatus(text ?? '')).toBe(200);
    expect((await meshd(mesh.ws, 'plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('the minted token may get, list and watch what Pilot reads, and nothing else', async () => {
    const text = (await published('remote-2')) ?? '';
    for (const resource of ['pods', 'services', 'endpoints', 'nodes', 'namespaces']) {
      for (const verb of ['get', 'list', 'watch']) expect(await allowed(text, { verb, resource }), `${verb} ${resource}`).toBe(true);
    }
    expect(await allowed(text, { verb: 'watch', resource: 'endpointslices', group: 'discovery.k8s.io' })).toBe(true);
    const denied = [
      { verb: 'create', resource: 'pods', namespace: 'default' },
      { verb: 'delete', resource: 'services', namespace: 'default' },
      { verb: 'update', resource: 'endpoints', namespace: 'default' },
      { verb: 'create', resource: 'namespaces' },
      { verb: 'delete', resource: 'endpointslices', group: 'discovery.k8s.io', namespace: 'default' },
      { verb: 'get', resource: 'secrets', namespace: 'istio-system' },
      { verb: 'list', resource: 'secrets' },
      { verb: 'list', resource: 'configmaps' },
      { verb: 'create', resource: 'serviceaccounts', namespace: 'istio-system' },
    ];
    for (const attrs of denied) expect(await allowed(text, attrs), `${attrs.verb} ${attrs.resource}`).toBe(false);
  });

  it("no ConfigMap or Secret on the control plane holds an operator's token (plain or base64)", async () => {
    const core = clientOf(mesh.env.clusters[0]!).core;
    const [cms, secrets] = await Promise.all([core.listConfigMapForAllNamespaces(), core.listSecretForAllNamespaces()]);
    const texts = [
      ...cms.items.flatMap((c) => [...Object.values(c.data ?? {}), ...Object.values(c.metadata?.annotations ?? {})]),
      ...secrets.items.flatMap((s) => [
        ...Object.values(s.data ?? {}),
        ...Object.values(s.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8')),
        ...Object.values(s.metadata?.annotations ?? {}),
      ]),
    ];
    expect(texts.length).toBeGreaterThan(0);
    for (const c of mesh.env.clusters) {
      const b64 = Buffer.from(c.token).toString('base64');
      expect(
        texts.filter((t) => t.includes(c.token) || t.includes(b64)),
        c.name,
      ).toEqual([]);
    }
  });

  it('a 10-minute token is rotated before it expires: the new one is published first, the old one revoked after', async () => {
    const before = (await published('remote-1')) ?? '';
    const exp = JSON.parse(Buffer.from(tokenOf(before).split('.')[1] ?? '', 'base64url').toString()) as { exp: number; iat: number };
    expect(exp.exp - exp.iat).toBe(600);
    // Drive the threshold, not the clock: rotate after 0.1 % of the lifetime (0.6 s), keep the old one an hour.
    await writeConfig(mesh.ws, [SECRETS, 'credentials: { lifetime: 10m, rotateAt: 0.001, retireAfter: 1h }']);
    await new Promise((r) => setTimeout(r, 1500));
    const rotate = await meshd(mesh.ws, 'apply');
    expect(rotate.code, rotate.stdout + rotate.stderr).toBe(0);
    expect(rotate.stdout).toMatch(/TokenRequest istio-system\/meshd-pilot-reader/);
    const after = (await published('remote-1')) ?? '';
    expect(tokenOf(after)).not.toBe(tokenOf(before));
    expect(await listPodsStatus(after)).toBe(200);
    expect(await listPodsStatus(before)).toBe(200);
    await writeConfig(mesh.ws, [SECRETS, 'credentials: { lifetime: 10m, retireAfter: 1ms }']);
    const retire = await meshd(mesh.ws, 'apply');
    expect(retire.code, retire.stdout).toBe(0);
    expect(await settledStatus(before, 401)).toBe(401);
    expect(await listPodsStatus(after)).toBe(200);
    expect((await published('remote-1')) ?? '').toBe(after);
  });

  it('a binding Secret deleted outside meshd (its token revoked) is noticed by the next apply, which mints and publishes a working token', async () => {
    await writeConfig(mesh.ws, [SECRETS, 'credentials: { lifetime: 10m }']);
    const before = (await published('remote-1')) ?? '';
    expect(await listPodsStatus(before)).toBe(200);
    const core = clientOf(mesh.env.clusters[1]!).core;
    const bindings = await core.listNamespacedSecret({ namespace: 'istio-system', labelSelector: 'meshd.io/component=credentials' });
    expect(bindings.items).toHaveLength(1);
    await core.deleteNamespacedSecret({ name: bindings.items[0]!.metadata!.name!, namespace: 'istio-system' });
    expect(await settledStatus(before, 401)).toBe(401);
    const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
    expect(plan.code, plan.stdout).toBe(2);
    expect(plan.stdout).toMatch(/was deleted outside meshd: the published token is revoked/);
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const after = (await published('remote-1')) ?? '';
    expect(tokenOf(after)).not.toBe(tokenOf(before));
    expect(await listPodsStatus(after)).toBe(200);
    expect((await meshd(mesh.ws, 'plan', '--detailed-exitcode')).code).toBe(0);
  });

  it('legacyToken: clusters without TokenRequest get a service-account-token Secret, revoked the same way', async () => {
    const before = (await published('remote-1')) ?? '';
    await writeConfig(mesh.ws, [SECRETS, 'credentials: { lifetime: 10m, retireAfter: 1ms, legacyToken: true }']);
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/credentials\.legacyToken was turned on/);
    // The replaced credential is revoked by the first pass at least retireAfter after its successor was published.
    expect((await meshd(mesh.ws, 'apply')).code).toBe(0);
    const after = (await published('remote-1')) ?? '';
    expect(tokenOf(after)).not.toBe(tokenOf(before));
    const secrets = await clientOf(mesh.env.clusters[1]!).core.listNamespacedSecret({
      namespace: 'istio-system',
      labelSelector: 'meshd.io/component=credentials',
    });
    expect(secrets.items.map((x) => x.type)).toEqual(['kubernetes.io/service-account-token']);
    expect(await listPodsStatus(after)).toBe(200);
    expect(await settledStatus(before, 401)).toBe(401);
    expect((await meshd(mesh.ws, 'plan', '--detailed-exitcode')).code).toBe(0);
  });

  it("a removed member's credential is revoked: its old token gets 401 and its reader is gone", async () => {
    const old = (await published('remote-2')) ?? '';
    expect(await listPodsStatus(old)).toBe(200);
    await rm(join(mesh.ws.dir, 'remote-2.yaml'));
    await rm(join(mesh.ws.dir, 'remote-2.kube.conf'));
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await published('remote-2')).toBeUndefined();
    expect(await settledStatus(old, 401)).toBe(401);
    const sas = await clientOf(mesh.env.clusters[2]!).core.listNamespacedServiceAccount({ namespace: 'istio-system' });
    expect(sas.items.map((s) => s.metadata?.name)).not.toContain('meshd-pilot-reader');
  });
});

describe("operator credentials (the guide's behaviour)", () => {
  it('an exec kubeconfig that would be published gets a validation warning naming the file and the reason', async () => {
    const other = await workspace([SECRETS, 'credentials: { mode: operator }']);
    try {
      await addAll(other, mesh.env);
      const exec = [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: r',
        '    cluster:',
        `      server: ${mesh.env.clusters[1]!.server}`,
        'users:',
        '  - name: u',
        '    user:',
        '      exec:',
        '        apiVersion: client.authentication.k8s.io/v1',
        '        command: /usr/bin/true',
        'contexts:',
        '  - name: c',
        '    context: { cluster: r, user: u }',
        'current-context: c',
        '',
      ].join('\n');
      await writeFile(join(other.dir, 'remote-1.kube.conf'), exec, { mode: 0o600 });
      const run = await meshd(other, 'validate');
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(
        /remote-1\.kube\.conf:10:7: warning: Pilot\/istiod cannot use remote-1\.kube\.conf as published \(credentials\.mode operator\): exec is not allowed/,
      );
      const minted = await meshd({ ...other, configPath: mesh.ws.configPath }, 'validate');
      expect(minted.stdout).not.toMatch(/cannot use/);
    } finally {
      await other.cleanup();
    }
  });
});
