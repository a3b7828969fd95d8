// Requests to one cluster reuse keep-alive connections (client-node alone opens one TCP + TLS
// connection per request), against a real kube-apiserver from @meshd/testenv.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { fileURLToPath } from 'node:url';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { CoreV1Api } from '@kubernetes/client-node';
import { connectCluster } from '@meshd/core/cluster';

let env: TestEnv;
let kubeconfigText: string;

beforeAll(async () => {
  env = await startClusters({ count: 1 });
  kubeconfigText = await readFile(env.clusters[0]!.kubeconfigPath, 'utf8');
});

afterAll(async () => {
  await env?.stop();
});

/** Counts the TLS connections this process opens while `work` runs (the spy calls through). */
async function connectionsOpenedBy(work: () => Promise<void>): Promise<number> {
  const createConnection = vi.spyOn(Agent.prototype, 'createConnection');
  try {
    await work();
    return createConnection.mock.calls.length;
  } finally {
    createConnection.mockRestore();
  }
}

it('30 sequential and 10 parallel requests share at most 4 connections (the per-cluster limit)', async () => {
  const client = connectCluster({ name: 'c', kubeconfigText });
  const opened = await connectionsOpenedBy(async () => {
    for (let i = 0; i < 30; i += 1) await client.core.readNamespace({ name: 'default' });
    await Promise.all(Array.from({ length: 10 }, () => client.core.listNamespace()));
  });
  expect(opened).toBeGreaterThan(0);
  expect(opened).toBeLessThanOrEqual(4);
});

it('100 parallel requests on kept-alive connections all succeed (none fails as a false "Premature close")', async () => {
  const client = connectCluster({ name: 'c', kubeconfigText });
  const lists = await Promise.all(Array.from({ length: 100 }, () => client.core.listNamespace()));
  expect(lists.every((list) => list.items.some((ns) => ns.metadata?.name === 'default'))).toBe(true);
});

it.each([
  ['an idle kept-alive connection', {}],
  ["the client's own idle HTTP/2 connection (requestsOnOwnConnection)", { requestsOnOwnConnection: true }],
])(
  '%s does not keep a one-shot process alive',
  async (_what, options) => {
    const coreEntry = fileURLToPath(new URL('../dist/cluster/index.js', import.meta.url)); // @meshd/core/cluster
    // After the request, the child lists what keeps its event loop alive: the idle TLS socket must not.
    const script = `
    const { connectCluster } = await import(${JSON.stringify(coreEntry)});
    const client = connectCluster({ name: 'c', kubeconfigText: process.env.KUBECONFIG_TEXT, ...${JSON.stringify(options)} });
    await client.core.readNamespace({ name: 'default' });
    await new Promise((resolve) => setImmediate(resolve));
    console.log(JSON.stringify(process.getActiveResourcesInfo()));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, KUBECONFIG_TEXT: kubeconfigText },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    const keepingAlive = JSON.parse(out) as string[];
    expect(keepingAlive).not.toContain('TLSWrap');
    expect(keepingAlive).not.toContain('TCPSocketWrap');
  },
  30_000,
);

/** TCP connections this process holds to `port` (its socket fds matched against /proc/net/tcp). */
async function connectionsTo(port: number): Promise<number> {
  const { readdir, readlink } = await import('node:fs/promises');
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const rows = (await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((f) => readFile(f, 'utf8').catch(() => '')))).join('\n').split('\n');
  return rows.filter((row) => {
    const cols = row.trim().split(/\s+/);
    const remotePort = Number.parseInt(cols[2]?.split(':')[1] ?? '', 16);
    return remotePort === port && cols[3] === '01' && inodes.has(cols[9] ?? '');
  }).length;
}

it('six watches on one cluster share one HTTP/2 connection, each gets its own events, and a dead-presumed connection is replaced', async () => {
  const client = connectCluster({ name: 'c', kubeconfigText });
  const port = Number(new URL(env.clusters[0]!.server).port);
  const core = env.clusters[0]!.kubeConfig().makeApiClient(CoreV1Api);
  const namespaces = ['watch-a', 'watch-b', 'watch-c', 'watch-d', 'watch-e', 'watch-f'];
  await Promise.all(namespaces.map((name) => core.createNamespace({ body: { metadata: { name } } })));
  await new Promise((resolve) => setTimeout(resolve, 6000)); // the requests' idle sockets close after 5 s
  const seen = new Map<string, string[]>();
  const ended: unknown[] = [];
  const handles = await Promise.all(
    namespaces.map((ns) =>
      client.watches.watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        { timeoutSeconds: 60, labelSelector: 'test=watch' },
        (type, object) => {
          if (type === 'ADDED') seen.set(ns, [...(seen.get(ns) ?? []), object.metadata?.name ?? '']);
        },
        (err) => ended.push(err),
      ),
    ),
  );
  await Promise.all(
    namespaces.map((namespace) => core.createNamespacedConfigMap({ namespace, body: { metadata: { name: `in-${namespace}`, labels: { test: 'watch' } } } })),
  );
  await vi.waitFor(() => expect(seen.size).toBe(namespaces.length), { timeout: 5000 });
  for (const ns of namespaces) expect(seen.get(ns)).toEqual([`in-${ns}`]);
  await new Promise((resolve) => setTimeout(resolve, 6000));
  expect(await connectionsTo(port)).toBe(1);

  handles[0]!.connectionDead();
  await vi.waitFor(() => expect(ended.length).toBe(namespaces.length), { timeout: 5000 });
  expect(ended.every((err) => err instanceof Error)).toBe(true);
  const again = await client.watches.watch(
    '/api/v1/namespaces/watch-a/configmaps',
    { timeoutSeconds: 60, labelSelector: 'test=watch' },
    (type, object) => {
      if (type === 'ADDED') seen.set('again', [object.metadata?.name ?? '']);
    },
    () => undefined,
  );
  await vi.waitFor(() => expect(seen.get('again')).toEqual(['in-watch-a']), { timeout: 5000 });
  again.abort();
  for (const handle of handles) handle.abort();
}, 60_000);

it("a read of /version rides the watches' HTTP/2 connection (no new connection), and without a watch open is left to an ordinary request", async () => {
  const client = connectCluster({ name: 'c', kubeconfigText });
  const port = Number(new URL(env.clusters[0]!.server).port);
  const signal = AbortSignal.timeout(10_000);
  expect(await client.watches.read!('/version', signal)).toBeUndefined();
  const handle = await client.watches.watch(
    '/api/v1/namespaces/default/configmaps',
    { timeoutSeconds: 60 },
    () => undefined,
    () => undefined,
  );
  await new Promise((resolve) => setTimeout(resolve, 6000)); // the requests' idle sockets close after 5 s
  let answer: unknown;
  const opened = await connectionsOpenedBy(async () => {
    answer = await client.watches.read!('/version', signal);
  });
  expect(opened).toBe(0);
  expect(await connectionsTo(port)).toBe(1);
  const version = await client.version.getCode();
  expect(answer).toMatchObject({ gitVersion: version.gitVersion });
  await expect(client.watches.read!('/api/v1/namespaces/no-such-namespace', signal)).rejects.toMatchObject({ statusCode: 404 });
  handle.abort();
}, 30_000);

/** What a failed call threw, as a user reads it: its class, HTTP status and message. */
async function failureOf(call: () => Promise<unknown>): Promise<{ kind: string; status: unknown; message: string }> {
  try {
    await call();
  } catch (err) {
    const e = err as Error & { code?: unknown };
    return { kind: e.constructor.name, status: e.code, message: e.message };
  }
  throw new Error('the call did not fail');
}

it.each([
  ['requestsOnWatchConnection', 'streamed', { requestsOnWatchConnection: true }],
  ['requestsOnOwnConnection (the one-shot pass)', 'streamed-own', { requestsOnOwnConnection: true }],
])(
  "with %s a client's reads and writes ride one HTTP/2 connection, and its errors read as an ordinary client's",
  async (_option, namespace, options) => {
    const port = Number(new URL(env.clusters[0]!.server).port);
    await new Promise((resolve) => setTimeout(resolve, 6000)); // earlier tests' idle sockets close after 5 s
    const before = await connectionsTo(port);
    const shared = connectCluster({ name: 'c', kubeconfigText, ...options });
    const ordinary = connectCluster({ name: 'c', kubeconfigText });
    const opened = await connectionsOpenedBy(async () => {
      await shared.core.createNamespace({ body: { metadata: { name: namespace } } });
      await Promise.all(Array.from({ length: 20 }, () => shared.core.readNamespace({ name: namespace })));
      const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace }, data: { a: '1' } };
      await shared.objects.patch(body, { fieldManager: 'meshd', force: true, contentType: 'application/apply-patch+yaml' });
      expect((await shared.core.readNamespacedConfigMap({ name: 'applied', namespace })).data).toEqual({ a: '1' });
    });
    expect(opened).toBe(0); // no HTTP/1.1 connection
    expect(await connectionsTo(port)).toBe(before + 1);
    const calls: (readonly [string, (c: typeof shared) => Promise<unknown>])[] = [
      ['404', (c) => c.core.readNamespace({ name: 'no-such-namespace' })],
      ['409', (c) => c.core.createNamespace({ body: { metadata: { name: namespace } } })],
      ['422', (c) => c.core.createNamespace({ body: { metadata: { name: 'Not_A_Name' } } })],
    ];
    for (const [, call] of calls) {
      const [viaStream, viaAgent] = [await failureOf(() => call(shared)), await failureOf(() => call(ordinary))];
      expect(viaStream).toEqual(viaAgent);
    }
    expect((await failureOf(() => calls[0]![1](shared))).status).toBe(404);
  },
  30_000,
);
