import { connect, createServer, type ClientHttp2Session, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readStreamAnswer } from './http2-request.js';

// readStreamAnswer against a real (cleartext) node:http2 server: what each kind of answer becomes.
let server: Http2Server;
let session: ClientHttp2Session;
let answer: (stream: ServerHttp2Stream) => void;

beforeEach(async () => {
  server = createServer();
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    answer(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterEach(async () => {
  session.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const read = (maxBytes = 1024): Promise<unknown> =>
  readStreamAnswer(session.request({ ':path': '/api/v1/namespaces/default' }), 'GET /api/v1/namespaces/default', maxBytes);

it('an answer read to its end resolves with its status and whole body, whatever the status', async () => {
  answer = (stream) => {
    stream.respond({ ':status': 404 });
    stream.write('{"kind":');
    setTimeout(() => stream.end('"Status"}'), 20);
  };
  await expect(read()).resolves.toEqual({ status: 404, body: Buffer.from('{"kind":"Status"}') });
});

it('an answer cut short by its connection closing rejects, never resolves a short body', async () => {
  answer = (stream) => {
    stream.respond({ ':status': 200 });
    stream.write('{"kind":');
    setTimeout(() => stream.session?.destroy(), 20);
  };
  await expect(read()).rejects.toThrow(/GET \/api\/v1\/namespaces\/default|stream/i);
});

it('a stream the server resets before its headers rejects', async () => {
  answer = (stream) => stream.close(process.getBuiltinModule('node:http2').constants.NGHTTP2_INTERNAL_ERROR);
  await expect(read()).rejects.toThrow();
});

it('an answer larger than maxBytes rejects naming the limit (and the stream is reset)', async () => {
  answer = (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('x'.repeat(4096));
  };
  await expect(read(1024)).rejects.toThrow('GET /api/v1/namespaces/default: the answer is larger than 1024 bytes; not read');
});
