// How a watch on the shared HTTP/2 connection (http2-watch.ts) reports its end, against a node:http2
// server over TLS: the server's clean end is null (the watcher resumes from its last version), a
// stream cut short or reset is an error (the watcher relists), an error status carries its code.
// A server that retires its connection (GOAWAY, as kube-apiserver's --goaway-chance does) and then
// ends the watch cleanly is a clean end: it was reported as broken, and every such watch relisted.
// And a request whose connection meshd itself closes (a PING unanswered, a connection presumed dead)
// fails: node ends the streams of a session destroyed without an error as if answered in full.
import { constants, type ServerHttp2Stream } from 'node:http2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectCluster } from '@meshd/core/cluster';
import { Http2Connection } from '../src/cluster/http2-connection.js';
import { sendOnConnection } from '../src/cluster/http2-request.js';
import { startTlsHttp2Server, type TlsHttp2Server } from './support/tls-h2-server.js';

const TOKEN = 'watch-ends-token';
const event = (name: string, rv: number): string =>
  `${JSON.stringify({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: String(rv) } } })}\n`;

let server: TlsHttp2Server;
let answer: (stream: ServerHttp2Stream) => void;

beforeAll(async () => {
  server = await startTlsHttp2Server('watch-ends', TOKEN, (stream) => answer(stream));
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** Runs one watch to its end: the names it saw and what its done callback got. */
async function watchToEnd(): Promise<{ names: string[]; end: unknown }> {
  const client = connectCluster({ name: 'h2', kubeconfigText: server.kubeconfigText });
  const names: string[] = [];
  const end = await new Promise<unknown>((resolve) => {
    void client.watches.watch('/api/v1/namespaces', { resourceVersion: '1' }, (_type, object) => names.push(object.metadata?.name ?? ''), resolve);
  });
  return { names, end };
}

const later = (ms: number, fn: () => void): void => void setTimeout(fn, ms);

it('a watch the server ends cleanly after retiring its connection (GOAWAY) ends with null, every event delivered', async () => {
  answer = (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.write(event('first', 2));
    later(20, () => {
      stream.session?.goaway(constants.NGHTTP2_NO_ERROR);
      later(20, () => stream.end(event('last', 3).trimEnd()));
    });
  };
  const { names, end } = await watchToEnd();
  expect(end).toBeNull();
  expect(names).toEqual(['first', 'last']);
});

it('a watch cut short by its connection dying ends with an error (the watcher relists), never null', async () => {
  answer = (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.write(event('first', 2));
    stream.write('{"type":"ADDED","object":{"metadata":{"name":"half');
    later(20, () => stream.session?.destroy());
  };
  const { names, end } = await watchToEnd();
  expect(end).toBeInstanceOf(Error);
  expect(names).toEqual(['first']);
});

it('a watch stream the server resets ends with an error naming the HTTP/2 code', async () => {
  answer = (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.write(event('first', 2));
    // destroy sends RST_STREAM INTERNAL_ERROR; a server stream's close(code) after data ends it cleanly instead.
    later(20, () => stream.destroy(new Error('server gave up on the watch')));
  };
  const { names, end } = await watchToEnd();
  expect(String(end)).toMatch(/NGHTTP2_INTERNAL_ERROR/);
  expect(names).toEqual(['first']);
});

it('a watch answered 410 Gone ends with an error carrying the status (the watcher relists), its body not taken for events', async () => {
  answer = (stream) => {
    stream.respond({ ':status': 410, 'content-type': 'application/json' });
    stream.end(event('not-an-event', 2));
  };
  const { names, end } = await watchToEnd();
  expect(end).toMatchObject({ statusCode: 410 });
  expect(names).toEqual([]);
});

it('a request whose connection meshd closes mid-answer rejects, never resolves with the part it got', async () => {
  answer = (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.write('{"kind":"SecretList","items":[');
  };
  const connection = new Http2Connection('test', server.url, { ca: server.caPem }, 60_000);
  await connection.ready;
  const request = sendOnConnection(
    connection,
    { method: 'GET', path: '/api/v1/secrets', headers: { authorization: `Bearer ${TOKEN}` } },
    AbortSignal.timeout(10_000),
    1 << 20,
  );
  later(50, () => connection.close());
  await expect(request).rejects.toThrow(/closed/);
});
