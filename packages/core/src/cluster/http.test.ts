// meshd's request layer against small local servers that misbehave the way a careless proxy, a
// hostile API server or a mistyped kubeconfig would: huge and non-JSON answers, HTTP/1.0, a
// connection cut mid-body, redirects to another host, nothing listening.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hasCode } from '../errors.js';
import { authFor } from './auth.js';
import { connectCluster } from './client.js';
import { clusterFailureOf, KubeApiError } from './failure.js';
import { KubeHttp } from './http.js';
import { readKubeconfig } from './kubeconfig-view.js';

const servers: (Server | TcpServer)[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise((done) => s.close(done));
  }
});

async function listen(s: Server | TcpServer): Promise<string> {
  servers.push(s);
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

/** An HTTP server answering every request with `handler`; records each request's headers. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const url = await listen(
    createServer((req, res) => {
      seen.push(req.headers);
      handler?.(req, res);
    }),
  );
  return { url, seen };
}

/** A TCP server writing `raw` bytes to each connection, then doing `end` (close or cut). */
async function rawServer(raw: string, end: (socket: Socket) => void): Promise<string> {
  return await listen(
    createTcpServer((socket) => {
      socket.once('data', () => {
        socket.write(raw);
        end(socket);
      });
    }),
  );
}

function kubeconfig(server: string, user: Record<string, unknown> = { token: 'tok-0123456789' }): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'c',
    clusters: [{ name: 'c', cluster: { server } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u', namespace: 'apps' } }],
  });
}

const client = (server: string, user?: Record<string, unknown>): ReturnType<typeof connectCluster> =>
  connectCluster({ name: 'east', kubeconfigText: kubeconfig(server, user), timeoutMs: 2000 });

describe('the request layer with hostile or careless servers', () => {
  it('an answer larger than the cap is refused (MESHD_ERR_API), not read into memory', async () => {
    const { url } = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: 'x'.repeat(10_000) })));
    const view = readKubeconfig('east', kubeconfig(url));
    const http = new KubeHttp({ server: url, auth: authFor(view), timeoutMs: 2000, maxResponseBytes: 4096 });
    const err = await http.request({ method: 'GET', path: '/api/v1/secrets' }).catch((e: unknown) => e);
    expect(hasCode(err, 'MESHD_ERR_API')).toBe(true);
    expect((err as Error).message).toBe('GET /api/v1/secrets: the answer is larger than 4096 bytes; not read');
  });

  it("a 200 whose body is not JSON (a proxy's login page) is MESHD_ERR_API, saying so", async () => {
    const { url } = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>'));
    const err = await client(url)
      .version.getCode()
      .catch((e: unknown) => e);
    expect(hasCode(err, 'MESHD_ERR_API')).toBe(true);
    expect((err as Error).message).toBe('GET /version: the API server answered HTTP 200 with a body that is not JSON');
  });

  it('an HTTP/1.0 server that ends its answer by closing the connection is read whole', async () => {
    const body = JSON.stringify({ major: '1', minor: '34', gitVersion: 'v1.34.4' });
    const url = await rawServer(`HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n${body}`, (s) => s.end());
    expect((await client(url).version.getCode()).gitVersion).toBe('v1.34.4');
  });

  it('a connection cut mid-body is an error (unreachable), never a short answer', async () => {
    const url = await rawServer('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"major":"1",', (s) =>
      setTimeout(() => s.destroy(), 20),
    );
    const err = await client(url)
      .version.getCode()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(clusterFailureOf(err).state).toBe('unreachable');
  });

  it('a redirect to another host is not followed: the credentials never leave for it', async () => {
    const elsewhere = await serve((_req, res) => res.end('{}'));
    const { url, seen } = await serve((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/version` }).end());
    const err = await client(url)
      .version.getCode()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(clusterFailureOf(err)).toEqual({ code: 'MESHD_ERR_API', state: 'failed', message: 'HTTP 302' });
    expect(seen).toHaveLength(1);
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('a kubeconfig pointing at 127.0.0.1:9 (nothing listening) is unreachable, with the reason', async () => {
    const err = await client('http://127.0.0.1:9')
      .version.getCode()
      .catch((e: unknown) => e);
    const failure = clusterFailureOf(err);
    expect(failure.state).toBe('unreachable');
    expect(failure.message).toContain('ECONNREFUSED');
  });

  it('an error status keeps the Status message in one line, and 404 reads as not found', async () => {
    const { url } = await serve((_req, res) =>
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', message: 'secrets "x" not found', code: 404 })),
    );
    const err = await client(url)
      .core.readNamespacedSecret({ name: 'x', namespace: 'a' })
      .catch((e: unknown) => e);
    expect((err as KubeApiError).code).toBe(404);
    expect(clusterFailureOf(err).message).toBe('HTTP 404: secrets "x" not found');
  });

  it('a read of an object that may be absent resolves null on 404 only: 403, 500 and a body that is not JSON still fail', async () => {
    const answers: Record<string, [number, string]> = {
      absent: [404, JSON.stringify({ kind: 'Status', message: 'configmaps "absent" not found', code: 404 })],
      present: [200, JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'present', namespace: 'a' } })],
      forbidden: [403, JSON.stringify({ kind: 'Status', message: 'configmaps "forbidden" is forbidden', code: 403 })],
      broken: [500, 'oops'],
      html: [200, '<html>login</html>'],
    };
    const { url } = await serve((req, res) => {
      if (req.url === '/api/v1') return res.end(JSON.stringify({ resources: [{ name: 'configmaps', kind: 'ConfigMap', namespaced: true }] }));
      const [code, body] = answers[req.url?.split('/').at(-1) ?? ''] ?? [418, ''];
      res.writeHead(code, { 'content-type': 'application/json' }).end(body);
    });
    const read = (name: string) => client(url).objects.readIfPresent({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'a' } });
    expect(await read('absent')).toBeNull();
    expect((await read('present'))?.metadata?.name).toBe('present');
    await expect(read('forbidden')).rejects.toMatchObject({ code: 403 });
    await expect(read('broken')).rejects.toMatchObject({ code: 500 });
    await expect(read('html')).rejects.toMatchObject({ code: 'MESHD_ERR_API' });
  });
});

describe('what the request layer sends', () => {
  it('typed calls go to their REST paths with their query; the token is sent as a bearer header', async () => {
    const paths: string[] = [];
    const { url, seen } = await serve((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}');
    });
    const c = client(url);
    await c.core.listNamespacedPod({ namespace: 'istio system', labelSelector: 'istio=pilot' });
    await c.core.readNamespace({ name: 'kube-system' });
    await c.core.createNamespacedServiceAccountToken({ name: 'reader', namespace: 'ns', body: { spec: { audiences: [] } } });
    await c.core.deleteNamespacedSecret({ name: 's', namespace: 'ns', body: { preconditions: { uid: 'u-1' } } });
    await c.apps.readNamespacedDeployment({ name: 'istio-pilot', namespace: 'istio-system' });
    expect(paths).toEqual([
      'GET /api/v1/namespaces/istio%20system/pods?labelSelector=istio%3Dpilot',
      'GET /api/v1/namespaces/kube-system',
      'POST /api/v1/namespaces/ns/serviceaccounts/reader/token',
      'DELETE /api/v1/namespaces/ns/secrets/s',
      'GET /apis/apps/v1/namespaces/istio-system/deployments/istio-pilot',
    ]);
    expect(seen.every((h) => h.authorization === 'Bearer tok-0123456789')).toBe(true);
  });

  it("server-side apply is a PATCH of apply-patch+yaml with the field manager and force, in the kubeconfig's namespace by default", async () => {
    const sent: { line: string; type: string | undefined; body: string }[] = [];
    const { url } = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        sent.push({ line: `${req.method} ${req.url}`, type: req.headers['content-type'], body });
        if (req.url === '/api/v1')
          res.end(
            JSON.stringify({
              resources: [
                { name: 'configmaps', kind: 'ConfigMap', namespaced: true },
                { name: 'configmaps/status', kind: 'ConfigMap', namespaced: true },
              ],
            }),
          );
        else res.end(body);
      });
    });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' }, data: { a: 'b' } };
    const live = await client(url).objects.patch(cm, { contentType: 'application/apply-patch+yaml', fieldManager: 'meshd', force: true });
    expect(live).toEqual(cm);
    expect(sent.map((s) => s.line)).toEqual(['GET /api/v1', 'PATCH /api/v1/namespaces/apps/configmaps/m?fieldManager=meshd&force=true']);
    expect(sent[1]?.type).toBe('application/apply-patch+yaml');
  });

  it('a token file is read for every request (a rotated token is used at once)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshd-token-'));
    try {
      const tokenFile = join(dir, 'token');
      await writeFile(tokenFile, 'first-token\n');
      const { url, seen } = await serve((_req, res) => res.end('{}'));
      const c = client(url, { 'token-file': tokenFile });
      await c.version.getCode();
      await writeFile(tokenFile, 'second-token\n');
      await c.version.getCode();
      expect(seen.map((h) => h.authorization)).toEqual(['Bearer first-token', 'Bearer second-token']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a token file that is gone is a credential error (MESHD_ERR_UNAUTHORIZED), and nothing is sent', async () => {
    const { url, seen } = await serve((_req, res) => res.end('{}'));
    const err = await client(url, { 'token-file': '/nonexistent/meshd/token' })
      .version.getCode()
      .catch((e: unknown) => e);
    expect(clusterFailureOf(err).code).toBe('MESHD_ERR_UNAUTHORIZED');
    expect(seen).toHaveLength(0);
  });

  it('basic auth is sent as such', async () => {
    const { url, seen } = await serve((_req, res) => res.end('{}'));
    await client(url, { username: 'admin', password: 'pw' }).version.getCode();
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from('admin:pw').toString('base64')}`);
  });

  it('impersonation goes out as one Impersonate-User, -Uid, one Impersonate-Group line per group and -Extra- per key', async () => {
    const raw: string[][] = [];
    const { url } = await serve((req, res) => {
      raw.push(req.rawHeaders);
      res.end('{}');
    });
    await client(url, { token: 't', as: 'ops', 'as-uid': '42', 'as-groups': ['g1', 'g2'], 'as-user-extra': { 'team/x': ['a', 'b'] } }).version.getCode();
    const lines = (raw[0] ?? []).reduce<string[]>((out, v, i, all) => (i % 2 === 0 ? [...out, `${v.toLowerCase()}: ${all[i + 1]}`] : out), []);
    expect(lines.filter((l) => l.startsWith('impersonate-'))).toEqual([
      'impersonate-user: ops',
      'impersonate-uid: 42',
      'impersonate-group: g1',
      'impersonate-group: g2',
      'impersonate-extra-team%2fx: a',
      'impersonate-extra-team%2fx: b',
    ]);
    const err = await Promise.resolve()
      .then(() => client(url, { token: 't', 'as-groups': ['system:masters'] }))
      .catch((e: unknown) => e);
    expect(String(err)).toContain('without "as"');
  });

  it('a kubeconfig that does not parse, or whose context is missing, is MESHD_ERR_INVALID_KUBECONFIG without quoting values', () => {
    expect(() => connectCluster({ name: 'east', kubeconfigText: 'token: s3cret: [' })).toThrow(
      /cluster east: kubeconfig cannot be loaded: it does not parse as YAML/,
    );
    const noContext = stringify({ 'current-context': 'gone', contexts: [], clusters: [], users: [] });
    expect(() => connectCluster({ name: 'east', kubeconfigText: noContext })).toThrow('cluster east: kubeconfig cannot be loaded: context "gone" is missing');
  });
});
