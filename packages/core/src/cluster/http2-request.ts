import type { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { MeshdError } from '../errors.js';
import type { ConnectionSetup } from './connection.js';
import type { Http2Connection } from './http2-connection.js';

/** Headers HTTP/2 forbids (connection-specific) or sets itself. */
const DROPPED_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/**
 * One ordinary request (not a watch) to send as a stream on a cluster's HTTP/2 connection: the
 * method, the path with its query, the credential and content headers, and the body.
 */
export interface StreamRequest {
  method: string;
  /** Path and query: `/api/v1/namespaces?limit=5`. */
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer | undefined;
  /** The TLS settings and identity of the cluster's credentials (connection.ts ConnectionSetup), for a sender that connects with them. */
  tls?: ConnectionSetup['tls'];
}

/** An answer read whole: its status and body, for the request layer to judge (http.ts) as it judges an HTTP/1.1 one. */
export interface StreamAnswer {
  status: number;
  body: Buffer;
}

/**
 * Sends requests as streams on an HTTP/2 connection: the one a cluster's watches hold (the daemon's
 * option, http2-watch.ts) or one of the client's own (the one-shot commands, http2-request-connection.ts).
 * Resolves undefined when no such connection can carry the request (the server speaks HTTP/1.1
 * only, the kubeconfig is plain HTTP or proxied, or the connection cannot be made): the caller then
 * sends an ordinary request, which reports any failure to connect as it always did.
 */
export type StreamSender = (req: StreamRequest, signal: AbortSignal, maxBytes: number) => Promise<StreamAnswer | undefined>;

/**
 * Sends one request as a stream of `connection` and reads its answer whole (at most `maxBytes`).
 * Undefined when the connection takes no new stream (the caller sends it the ordinary way). A
 * request that runs out of time (`signal`) has its connection checked at once: one that neither
 * answers a PING nor delivers anything else in time is closed (dropped silently), one still busy
 * answering other streams is kept (only that request was slow). A stream not read to its end is reset.
 */
export async function sendOnConnection(
  connection: Http2Connection,
  req: StreamRequest,
  signal: AbortSignal,
  maxBytes: number,
): Promise<StreamAnswer | undefined> {
  if (signal.aborted) return undefined;
  const stream = connection.stream(streamHeaders(req.method, req.path, req.headers), { endStream: req.body === undefined, signal });
  if (stream === undefined) return undefined;
  if (req.body !== undefined) stream.end(req.body);
  try {
    return await readStreamAnswer(stream, `${req.method} ${req.path.split('?')[0] ?? ''}`, maxBytes);
  } catch (err) {
    if (signal.aborted) connection.checkNow();
    throw err;
  } finally {
    cancelUnfinished(stream);
  }
}

/** The HTTP/2 headers of a request to `path` with `headers` (less those HTTP/2 forbids). */
export function streamHeaders(method: string, path: string, headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const all: Record<string, string | string[]> = { ':method': method, ':path': path, accept: 'application/json' };
  for (const [name, value] of Object.entries(headers)) if (!DROPPED_HEADERS.has(name.toLowerCase())) all[name.toLowerCase()] = value;
  return all;
}

/**
 * Reads a stream's answer to its end, at most `maxBytes`, whatever its status (the caller judges
 * it). A stream that ends early (reset, its connection closed) is an error, never a short answer;
 * so is a larger answer (its stream is reset). Settled when the stream closes.
 */
export function readStreamAnswer(stream: ClientHttp2Stream, what: string, maxBytes: number): Promise<StreamAnswer> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let size = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (headers: IncomingHttpHeaders) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else stream.destroy(new MeshdError('MESHD_ERR_API', `${what}: the answer is larger than ${maxBytes} bytes; not read`));
    });
    let ended = false;
    stream.on('end', () => (ended = true));
    stream.on('error', reject);
    stream.on('close', () => {
      if (status > 0 && closedCleanly(stream, ended)) resolve({ status, body: Buffer.concat(chunks) });
      else reject(new Error(`${what}: the connection closed before the end of the answer (HTTP/2 code ${stream.rstCode ?? 'none'})`));
    });
  });
}

/**
 * Whether a stream that has closed carried the server's whole answer: it ended (`ended`: its 'end'
 * event came) and closed with the code NO_ERROR. A stream cut short by its connection closing still
 * emits 'end' first, so only the close code tells the two apart; a stream the server retired
 * (GOAWAY) lets finish cleanly counts as whole.
 */
export function closedCleanly(stream: ClientHttp2Stream, ended: boolean): boolean {
  return ended && stream.rstCode === process.getBuiltinModule('node:http2').constants.NGHTTP2_NO_ERROR;
}

/**
 * Resets a stream whose answer was not read to its end (a request that failed or ran out of time, a
 * watch being stopped), so the server stops working on it. A stream answered to its end is left to
 * close by itself: an RST_STREAM after every finished request is what servers' rapid-reset guards
 * count (a node:http2 server ends the connection with INTERNAL_ERROR after about 1 000 of them, and
 * every request and watch on it with the connection).
 */
export function cancelUnfinished(stream: ClientHttp2Stream): void {
  if (stream.destroyed || stream.readableEnded) return;
  stream.close(process.getBuiltinModule('node:http2').constants.NGHTTP2_CANCEL);
}
