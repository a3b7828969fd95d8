// A node:http2 server over TLS on 127.0.0.1 with a CA of its own, standing in for an API server in
// the core package's integration tests: requests without the bearer token get 401, the others go to
// `answer`. It gives a kubeconfig (token user) for meshd's client, and the CA and URL for a
// connection made by hand.
import { mkdtemp, rm } from 'node:fs/promises';
import { createSecureServer, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRootCa, issueCert } from '@meshd/testenv';

/** A running test server (startTlsHttp2Server). */
export interface TlsHttp2Server {
  /** A kubeconfig (cluster `h2`, a token user) that reaches it. */
  kubeconfigText: string;
  caPem: string;
  url: URL;
  /** Every session a client opened, in order. */
  sessions: ServerHttp2Session[];
  close(): Promise<void>;
}

/** Starts the server; `answer` serves each authorised stream (read through a closure: tests may swap it). */
export async function startTlsHttp2Server(
  name: string,
  token: string,
  answer: (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void,
): Promise<TlsHttp2Server> {
  const workDir = await mkdtemp(join(tmpdir(), `meshd-${name}-`));
  const ca = await createRootCa(workDir, `/CN=meshd ${name} CA`);
  const serving = await issueCert(workDir, ca, '/CN=127.0.0.1', 'IP:127.0.0.1');
  const server = createSecureServer({ key: serving.keyPem, cert: serving.certPem });
  const sessions: ServerHttp2Session[] = [];
  server.on('session', (session) => {
    session.on('error', () => undefined);
    sessions.push(session);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined); // a stream the client reset or the connection took: nothing to answer
    if (headers.authorization !== `Bearer ${token}`) {
      stream.respond({ ':status': 401 });
      stream.end();
      return;
    }
    answer(stream, headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const kubeconfigText = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'h2', cluster: { server: url.origin, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } }],
    users: [{ name: 'h2-admin', user: { token } }],
    contexts: [{ name: 'h2', context: { cluster: 'h2', user: 'h2-admin' } }],
    'current-context': 'h2',
  });
  return {
    kubeconfigText,
    caPem: ca.certPem,
    url,
    sessions,
    close: async () => {
      sessions.forEach((session) => session.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
