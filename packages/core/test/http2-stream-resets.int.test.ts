// Requests sent as HTTP/2 streams — the daemon's on its watches' connection (requestsOnWatchConnection),
// the one-shot pass's on a connection of its own (requestsOnOwnConnection) — against a node:http2 server
// over TLS, the server bench/sim's simulated API servers are. A stream answered to its end must not be
// reset: nghttp2's rapid-reset guard in that server ends the connection with GOAWAY INTERNAL_ERROR after
// about 1 000 RST_STREAMs, and every request and watch on it with the connection. That is how 1 000
// simulated clusters failed with "Session closed with error code 2" on the control plane's connection
// (bench/RESULTS.md, h52 and h53), which an RST_STREAM sent after every finished request caused.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectCluster, type ConnectOptions } from '@meshd/core/cluster';
import { startTlsHttp2Server, type TlsHttp2Server } from './support/tls-h2-server.js';

const REQUESTS = 1_500;
const TOKEN = 'stream-resets-token';

let server: TlsHttp2Server;

beforeAll(async () => {
  server = await startTlsHttp2Server('stream-resets', TOKEN, (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', uid: 'u-1' } }));
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

it.each<[string, Partial<ConnectOptions>]>([
  ["the daemon's requests on the watches' connection", { requestsOnWatchConnection: true }],
  ["the one-shot pass's own HTTP/2 connection", { requestsOnOwnConnection: true }],
])(
  `%s carries ${REQUESTS} answered requests on one connection, which the server keeps open`,
  async (_what, options) => {
    const { sessions } = server;
    const before = sessions.length;
    const client = connectCluster({ name: 'h2', kubeconfigText: server.kubeconfigText, ...options });
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
