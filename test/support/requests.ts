// Test support: records every HTTPS request meshd sends while a function runs (the server it went
// to, method, path, when it started and when its answer ended), over HTTP/1.1 or as an HTTP/2
// stream. It observes the real requests on their way out — nothing is answered for them — by
// wrapping node:https's `request` (meshd's request layer, core cluster/http.ts) and the `request`
// of every session node:http2's `connect` makes (core cluster/http2-connection.ts).
import https from 'node:https';
import http2 from 'node:http2';
import type { ClientRequest } from 'node:http';
import type { ClientHttp2Session, ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import { syncBuiltinESMExports } from 'node:module';

/** One request meshd sent: `server` is host:port; times are performance.now() ms. */
export interface RecordedRequest {
  server: string;
  method: string;
  /** The path without its query. */
  path: string;
  start: number;
  end: number;
}

/** Runs `work` while recording its HTTPS requests; the requests are complete once it resolved. */
export async function recordingRequests<T>(work: () => Promise<T>): Promise<{ result: T; requests: RecordedRequest[] }> {
  const original = https.request;
  const requests: RecordedRequest[] = [];
  const recording = function (this: unknown, ...args: Parameters<typeof https.request>): ClientRequest {
    const req = original.apply(this, args);
    const entry: RecordedRequest = {
      server: String(req.getHeader('host')),
      method: req.method,
      path: req.path.split('?')[0] ?? '',
      start: performance.now(),
      end: Infinity,
    };
    requests.push(entry);
    req.on('response', (res) => res.on('end', () => (entry.end = performance.now())));
    req.on('close', () => (entry.end = Math.min(entry.end, performance.now())));
    return req;
  };
  const originalConnect = http2.connect;
  const connecting = function (this: unknown, ...args: Parameters<typeof http2.connect>): ClientHttp2Session {
    const session = originalConnect.apply(this, args);
    const server = new URL(String(args[0])).host;
    const request = session.request.bind(session);
    session.request = (headers?: OutgoingHttpHeaders, options?: Parameters<ClientHttp2Session['request']>[1]): ClientHttp2Stream => {
      const stream = request(headers, options);
      const entry: RecordedRequest = {
        server,
        method: String(headers?.[':method'] ?? 'GET'),
        path: String(headers?.[':path'] ?? '').split('?')[0] ?? '',
        start: performance.now(),
        end: Infinity,
      };
      requests.push(entry);
      stream.on('end', () => (entry.end = performance.now()));
      stream.on('close', () => (entry.end = Math.min(entry.end, performance.now())));
      return stream;
    };
    return session;
  };
  https.request = recording as typeof https.request;
  http2.connect = connecting as typeof http2.connect;
  syncBuiltinESMExports();
  try {
    return { result: await work(), requests };
  } finally {
    https.request = original;
    http2.connect = originalConnect;
    syncBuiltinESMExports();
  }
}
