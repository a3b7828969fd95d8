// Test support: records every HTTPS request meshd sends while a function runs (the server it went
// to, method, path, when it started and when its answer ended). It observes the real requests on
// their way out — nothing is answered for them — by wrapping node:https's `request`, which meshd's
// request layer (core cluster/http.ts) calls.
import https from 'node:https';
import type { ClientRequest } from 'node:http';
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
  https.request = recording as typeof https.request;
  syncBuiltinESMExports();
  try {
    return { result: await work(), requests };
  } finally {
    https.request = original;
    syncBuiltinESMExports();
  }
}
