import { Http2ConnectionSlot } from './http2-connection.js';
import { sendOnConnection } from './http2-request.js';
import type { StreamAnswer, StreamRequest, StreamSender } from './http2-request.js';

/**
 * How long the connection stays open with no request on it. A one-shot pass asks a cluster in waves
 * that are far apart in a large mesh (its probe at the pass's start, its member step when its turn
 * comes: up to ~30 s later at 1 000 clusters), and the agents' 5 s (IDLE_SOCKET_MS) made every wave
 * open its connections again: ~8 TLS connections per remote and pass (bench:scale, h52).
 */
export const REQUEST_CONNECTION_IDLE_MS = 60_000;

/**
 * A cluster's ordinary requests (not watches) as streams of one HTTP/2 connection of their own
 * (http2-connection.ts), as the one-shot commands may send them: one TLS connection per cluster for
 * a whole pass, where keep-alive HTTP/1.1 needed one per request in flight (4) per wave. `send`
 * resolves undefined where the connection cannot carry a request (the server answers HTTP/1.1, the
 * connection cannot be made): the ordinary request then reports any failure exactly as it always
 * did. The connection keeps no CLI process alive while idle and closes after
 * REQUEST_CONNECTION_IDLE_MS without a request. Retries nothing.
 */
export class Http2RequestConnection {
  private readonly slot: Http2ConnectionSlot;

  constructor(server: URL) {
    this.slot = new Http2ConnectionSlot(server, REQUEST_CONNECTION_IDLE_MS);
  }

  /** Sends one request on the connection (opened when none is); undefined when it cannot carry it. */
  readonly send: StreamSender = async (req: StreamRequest, signal: AbortSignal, maxBytes: number): Promise<StreamAnswer | undefined> => {
    if (req.tls === undefined) return undefined;
    const connection = await this.slot.open(req.tls).catch(() => undefined);
    return connection === undefined ? undefined : sendOnConnection(connection, req, signal, maxBytes);
  };
}
