// Kubeconfigs that reach a cluster another way than a plain token: impersonation (`as`, `as-groups`)
// against a real kube-apiserver with RBAC, and a cluster entry with `proxy-url` through a real HTTP
// CONNECT proxy (a small one here, on 127.0.0.1, counting its tunnels). The remote's kubeconfig keeps
// the admin token (allowed to impersonate anyone) and asks to act as someone else.
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { clientOf, endpointIps, meshd, useMesh } from './support/mesh.js';

const mesh = useMesh({ count: 2 });
const OPERATOR = 'meshd-operator';
const OPERATORS_GROUP = 'meshd-operators';
const WATCHER = 'meshd-watcher';

interface KubeconfigFile {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
}

/** Rewrites the remote's kubeconfig in the cluster directory from its original: `edit` changes its (only) cluster and user entries. */
async function editRemoteKubeconfig(edit: (k: KubeconfigFile) => void): Promise<void> {
  const remote = mesh.remote(1);
  const kubeconfig = parse(await readFile(remote.kubeconfigPath, 'utf8')) as KubeconfigFile;
  edit(kubeconfig);
  await writeFile(join(mesh.ws.dir, `${remote.name}.kube.conf`), stringify(kubeconfig), { mode: 0o600 });
}

const actAs = (as: Record<string, unknown>) => editRemoteKubeconfig((k) => Object.assign(k.users[0]!.user, as));

/** What meshd needs on a remote, and nothing of other API groups: the objects of istio-remote and the Pilot reader's credential. */
const OPERATOR_ROLE = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name: 'meshd-operator-test' },
  rules: [
    {
      apiGroups: [''],
      resources: ['namespaces', 'configmaps', 'secrets', 'services', 'endpoints', 'serviceaccounts', 'serviceaccounts/token'],
      verbs: ['*'],
    },
    { apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['apps'], resources: ['deployments'], verbs: ['*'] },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'], verbs: ['*'] },
    { apiGroups: ['networking.k8s.io'], resources: ['servicecidrs'], verbs: ['get', 'list'] },
  ],
};

function binding(name: string, role: string, subject: { kind: 'User' | 'Group'; name: string }) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
  };
}

/** Objects on the remote carrying meshd's label, by kind (what a refused run must not have written or deleted). */
async function meshdObjectsOnRemote(): Promise<string[]> {
  const client = clientOf(mesh.remote(1));
  const selector = { labelSelector: 'app.kubernetes.io/managed-by=meshd' };
  const kinds = [
    ['v1', 'Namespace'],
    ['v1', 'ServiceAccount'],
    ['v1', 'Service'],
    ['apps/v1', 'Deployment'],
    ['rbac.authorization.k8s.io/v1', 'ClusterRole'],
  ] as const;
  const lists = await Promise.all(kinds.map(([apiVersion, kind]) => client.objects.list(apiVersion, kind, selector)));
  return lists.flatMap((l, i) => l.items.map((o) => `${kinds[i]![1]}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`)).sort();
}

beforeAll(async () => {
  const admin = clientOf(mesh.remote(1));
  for (const obj of [
    OPERATOR_ROLE,
    binding('meshd-operators-test', 'meshd-operator-test', { kind: 'Group', name: OPERATORS_GROUP }),
    binding('meshd-watcher-test', 'view', { kind: 'User', name: WATCHER }),
  ])
    await admin.objects.create(obj);
});

it('a user that may only read is refused with the API server\'s "forbidden", and nothing is written on that remote', async () => {
  await actAs({ as: WATCHER });
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout + run.stderr).toBe(1);
  expect(run.stdout).toMatch(/forbidden/i);
  expect(run.stdout).toContain(`User "${WATCHER}"`);
  expect(await meshdObjectsOnRemote()).toEqual([]);
});

it('`as` without the `as-groups` that grant its rights is refused too: the group is what the binding names', async () => {
  await actAs({ as: OPERATOR });
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout + run.stderr).toBe(1);
  expect(run.stdout).toContain(`User "${OPERATOR}"`);
  expect(await meshdObjectsOnRemote()).toEqual([]);
});

it('a kubeconfig user with `as` and `as-groups` joins the remote with only the rights of that group', async () => {
  await actAs({ as: OPERATOR, 'as-groups': [OPERATORS_GROUP] });
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(await endpointIps(mesh.remote(1), 'istio-pilot')).toEqual([await mesh.env.controlPlane.podIp('pilot')]);
  expect(await meshdObjectsOnRemote()).toContain('Deployment/istio-system/istio-citadel');
  const again = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
  expect(again.code, again.stdout).toBe(0);
});

it('switching the joined remote to the read-only user is an error that deletes nothing meshd made there', async () => {
  const before = await meshdObjectsOnRemote();
  await actAs({ as: WATCHER });
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout + run.stderr).toBe(1);
  expect(run.stdout).toMatch(/forbidden/i);
  expect(await meshdObjectsOnRemote()).toEqual(before);
});

it('impersonation fields of the wrong shape make the kubeconfig invalid (file:line:col), and nothing is sent', async () => {
  const file = `${mesh.remote(1).name}.kube.conf`;
  await actAs({ 'as-groups': [OPERATORS_GROUP] });
  const run = await meshd(mesh.ws, 'validate');
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(new RegExp(`${file}:\\d+:\\d+: error: kubeconfig user "[^"]+": "as-groups" impersonates without "as"`));
  await actAs({ as: 'evil\r\nImpersonate-Group: system:masters' });
  const injected = await meshd(mesh.ws, 'validate');
  expect(injected.code).toBe(1);
  expect(injected.stdout).toMatch(/: error: kubeconfig user "[^"]+": "as" must be a non-empty single-line string/);
  expect(injected.stdout).not.toContain('system:masters');
});

/** A tiny HTTP CONNECT proxy on 127.0.0.1: tunnels to 127.0.0.1 only, counts them; `refuse` answers every CONNECT 403. */
class ConnectProxy {
  tunnels = 0;
  refused = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly refuse: boolean) {
    this.server = createServer((_req, res) => res.writeHead(405).end());
    this.server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => this.tunnel(req, client, head));
  }

  private tunnel(req: IncomingMessage, client: Socket, head: Buffer): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    const [host, port] = (req.url ?? '').split(':');
    if (this.refuse || host !== '127.0.0.1') {
      this.refused++;
      client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    this.tunnels++;
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  }

  async listen(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const proxies: ConnectProxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

async function startProxy(refuse: boolean): Promise<{ proxy: ConnectProxy; url: string }> {
  const proxy = new ConnectProxy(refuse);
  proxies.push(proxy);
  return { proxy, url: await proxy.listen() };
}

const throughProxy = (url: string) =>
  editRemoteKubeconfig((k) => {
    k.clusters[0]!.cluster['proxy-url'] = url;
  });

it('a cluster entry with `proxy-url` is reached through that HTTP CONNECT proxy', async () => {
  const { proxy, url } = await startProxy(false);
  await throughProxy(url);
  const plan = await meshd(mesh.ws, 'plan', '--detailed-exitcode');
  expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  expect(plan.stdout).toMatch(/cluster remote-1 [^\n]*: converged/);
  expect(proxy.tunnels).toBeGreaterThan(0);
  const tunnels = proxy.tunnels;
  const apply = await meshd(mesh.ws, 'apply');
  expect(apply.code, apply.stdout + apply.stderr).toBe(0);
  expect(proxy.tunnels).toBeGreaterThan(tunnels);
});

it('a proxy that refuses CONNECT makes the remote unreachable, naming the proxy, and deletes nothing', async () => {
  const before = await meshdObjectsOnRemote();
  expect(before.length).toBeGreaterThan(0);
  const { proxy, url } = await startProxy(true);
  await throughProxy(url);
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout + run.stderr).toBe(1);
  expect(proxy.refused).toBeGreaterThan(0);
  expect(run.stdout).toMatch(/cluster remote-1 [^\n]*: unreachable/);
  expect(run.stdout).toContain(`through the proxy ${url}`);
  expect(await meshdObjectsOnRemote()).toEqual(before);
});

it('a socks5 proxy-url is refused with a message saying which proxies work, and deletes nothing', async () => {
  const before = await meshdObjectsOnRemote();
  await throughProxy('socks5://127.0.0.1:1080');
  const run = await meshd(mesh.ws, 'apply');
  expect(run.code, run.stdout + run.stderr).toBe(1);
  // An invalid file changes nothing: the finding names the file and line; the cluster keeps its last good kubeconfig.
  expect(run.stdout + run.stderr).toMatch(
    /remote-1\.kube\.conf:\d+:\d+: error: kubeconfig proxy-url: socks5 proxies are not supported; use an http:\/\/ or https:\/\/ proxy that speaks HTTP CONNECT/,
  );
  expect(await meshdObjectsOnRemote()).toEqual(before);
});
