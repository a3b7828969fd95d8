// Requests sent as HTTP/2 streams — the daemon's on its watches' connection (requestsOnWatchConnection),
// the one-shot pass's on a connection of its own (requestsOnOwnConnection) — against a node:http2 server
// over TLS, the server bench/sim's simulated API servers are. A stream answered to its end must not be
// reset: nghttp2's rapid-reset guard in that server ends the connection with GOAWAY INTERNAL_ERROR after
// about 1 000 RST_STREAMs, and every request and watch on it with the connection. That is how 1 000
// simulated clusters failed with "Session closed with error code 2" on the control plane's connection
// (bench/RESULTS.md, h52 and h53), which an RST_STREAM sent after every finished request caused.
import { mkdtemp, rm } from 'node:fs/promises';
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootCa, issueCert } from '@meshd/testenv';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectCluster, type ConnectOptions } from '@meshd/core/cluster';

const REQUESTS = 1_500;
const TOKEN = 'stream-resets-token';

let server: Http2SecureServer;
let workDir: string;
let kubeconfigText: string;
const sessions: ServerHttp2Session[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'meshd-stream-resets-'));
  const ca = await createRootCa(workDir, '/CN=meshd stream-resets CA');
  const serving = await issueCert(workDir, ca, '/CN=127.0.0.1', 'IP:127.0.0.1');
  server = createSecureServer({ key: serving.keyPem, cert: serving.certPem });
  server.on('session', (session) => sessions.push(session));
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined); // a stream the client reset or the connection took: nothing to answer
    if (headers.authorization !== `Bearer ${TOKEN}`) {
      stream.respond({ ':status': 401 });
      stream.end();
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', uid: 'u-1' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  kubeconfigText = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'h2', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } }],
    users: [{ name: 'h2-admin', user: { token: TOKEN } }],
    contexts: [{ name: 'h2', context: { cluster: 'h2', user: 'h2-admin' } }],
    'current-context': 'h2',
  });
}, 60_000);

afterAll(async () => {
  sessions.forEach((session) => session.destroy());
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

it.each<[string, Partial<ConnectOptions>]>([
  ["the daemon's requests on the watches' connection", { requestsOnWatchConnection: true }],
  ["the one-shot pass's own HTTP/2 connection", { requestsOnOwnConnection: true }],
])(
  `%s carries ${REQUESTS} answered requests on one connection, which the server keeps open`,
  async (_what, options) => {
    const before = sessions.length;
    const client = connectCluster({ name: 'h2', kubeconfigText, ...options });
    const answers = await Promise.allSettled(Array.from({ length: REQUESTS }, () => client.core.readNamespace({ name: 'default' })));
    const failed = answers.filter((answer) => answer.status === 'rejected');
    expect(failed.map((answer) => String(answer.reason)).slice(0, 3)).toEqual([]);
    expect(answers.every((answer) => answer.status === 'fulfilled' && answer.value.metadata?.name === 'default')).toBe(true);
    // One connection for all of them: none ended by the server and made again.
    expect(sessions.length - before).toBe(1);
    sessions.at(-1)?.destroy();
  },
  60_000,
);
