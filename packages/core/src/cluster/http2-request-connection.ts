import type { ClientHttp2Session, ClientHttp2Stream, connect, constants } from 'node:http2';
import { connect as connectTls } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { cancelUnfinished, readStreamAnswer, streamHeaders } from './http2-request.js';
import type { StreamAnswer, StreamRequest, StreamSender } from './http2-request.js';

/**
 * node:http2, loaded with the first connection (a few ms of start-up a command that never sends a
 * request, `meshd validate`, does not pay).
 */
function http2(): { connect: typeof connect; constants: typeof constants } {
  return process.getBuiltinModule('node:http2');
}

/**
 * How long the connection stays open with no request on it. A one-shot pass asks a cluster in waves
 * that are far apart in a large mesh (its probe at the pass's start, its member step when its turn
 * comes: up to ~30 s later at 1 000 clusters), and the agents' 5 s (IDLE_SOCKET_MS) made every wave
 * open its connections again: ~8 TLS connections per remote and pass (bench:scale, h52).
 */
export const REQUEST_CONNECTION_IDLE_MS = 60_000;
/** How long a connection whose request ran out of time has to answer a PING before it is closed. */
const PING_TIMEOUT_MS = 5_000;
/** A TLS connection not established within this long is given up (the request's own deadline reports it). */
const CONNECT_TIMEOUT_MS = 10_000;

/** One connection: its TLS identity, the session once it is ready (undefined: the server chose HTTP/1.1), its streams. */
interface RequestSession {
  identity: string;
  socket: TLSSocket;
  ready: Promise<ClientHttp2Session | undefined>;
  streams: number;
  idle: NodeJS.Timeout | undefined;
  closed: boolean;
}

/**
 * A cluster's ordinary requests (not watches) as streams of one HTTP/2 connection of their own, as
 * the one-shot commands send them: one TLS connection per cluster for a whole pass, where keep-alive
 * HTTP/1.1 needed one per request in flight (4) per wave. The server is asked for h2 by ALPN; one
 * that answers HTTP/1.1 is sent ordinary requests from then on (`send` resolves undefined), as are
 * requests whose connection cannot be made (the ordinary request then reports the failure exactly as
 * it always did). The connection is unreferenced while no request is in flight, so it never keeps a
 * CLI process alive, and closes after REQUEST_CONNECTION_IDLE_MS idle, when the server ends it, and
 * when a request ran out of time and a PING then gets no answer. A new TLS identity (a rotated
 * certificate) gets a new connection. Owns its connection; retries nothing.
 */
export class Http2RequestConnection {
  private session: RequestSession | undefined;
  private readonly http1 = new Set<string>();

  constructor(private readonly server: URL) {}

  /** Sends one request on the connection (opened when none is); undefined when it cannot carry it. */
  readonly send: StreamSender = async (req: StreamRequest, signal: AbortSignal, maxBytes: number): Promise<StreamAnswer | undefined> => {
    const open = req.tls === undefined ? undefined : await this.openSession(req.tls);
    if (open === undefined || signal.aborted) return undefined;
    const [shared, session] = open;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(streamHeaders(req.method, req.path, req.headers), { endStream: req.body === undefined, signal });
    } catch {
      return undefined; // the session is closing: an ordinary request does it
    }
    this.streamStarted(shared, session);
    if (req.body !== undefined) stream.end(req.body);
    try {
      return await readStreamAnswer(stream, `${req.method} ${req.path.split('?')[0] ?? ''}`, maxBytes);
    } catch (err) {
      if (signal.aborted) this.checkAlive(shared, session);
      throw err;
    } finally {
      this.streamEnded(shared, session);
      cancelUnfinished(stream);
    }
  };

  /** The open session for `tls`'s identity (connected when none is); undefined over HTTP/1.1 or when it cannot connect. */
  private async openSession(tls: NonNullable<StreamRequest['tls']>): Promise<[RequestSession, ClientHttp2Session] | undefined> {
    if (this.http1.has(tls.identity)) return undefined;
    const shared = this.sessionFor(tls);
    let session: ClientHttp2Session | undefined;
    try {
      session = await shared.ready;
    } catch {
      return undefined; // not connected: the ordinary request reports why
    }
    if (session === undefined) this.http1.add(tls.identity);
    return session === undefined || shared.closed ? undefined : [shared, session];
  }

  /** The connection for `tls`'s identity: the open one, or a new one (the old one closed). */
  private sessionFor(tls: NonNullable<StreamRequest['tls']>): RequestSession {
    const current = this.session;
    if (current && !current.closed && current.identity === tls.identity) return current;
    if (current) this.close(current);
    const host = this.server.hostname.replace(/^\[|\]$/g, '');
    const named = tls.options.servername === undefined && !/^[\d.]+$/.test(host) && !host.includes(':');
    const socket = connectTls({
      ...tls.options,
      host,
      port: Number(this.server.port || 443),
      ALPNProtocols: ['h2', 'http/1.1'],
      ...(named ? { servername: host } : {}),
    });
    socket.setTimeout(CONNECT_TIMEOUT_MS);
    const shared: RequestSession = { identity: tls.identity, socket, ready: Promise.resolve(undefined), streams: 0, idle: undefined, closed: false };
    shared.ready = new Promise<ClientHttp2Session | undefined>((resolve, reject) => {
      const fail = (err: Error): void => {
        this.close(shared);
        reject(err);
      };
      socket.once('error', fail);
      socket.once('timeout', () => fail(new Error(`TLS connection to ${this.server.host} not established within ${CONNECT_TIMEOUT_MS / 1000} s`)));
      socket.once('secureConnect', () => {
        socket.removeListener('error', fail);
        socket.setTimeout(0);
        if (socket.alpnProtocol !== 'h2') {
          this.close(shared);
          resolve(undefined);
          return;
        }
        resolve(this.startSession(shared));
      });
    });
    shared.ready.catch(() => undefined);
    this.session = shared;
    return shared;
  }

  private startSession(shared: RequestSession): ClientHttp2Session {
    const session = http2().connect(this.server.origin, { createConnection: () => shared.socket });
    session.on('error', () => this.close(shared));
    // kube-apiserver answers a 401 and then sends GOAWAY: the streams in flight end normally, no new one starts here.
    session.on('goaway', () => this.retire(shared, session));
    session.on('close', () => this.close(shared));
    this.idleFrom(shared, session);
    return session;
  }

  private streamStarted(shared: RequestSession, session: ClientHttp2Session): void {
    shared.streams++;
    clearTimeout(shared.idle);
    shared.idle = undefined;
    session.ref();
  }

  private streamEnded(shared: RequestSession, session: ClientHttp2Session): void {
    shared.streams--;
    if (shared.streams === 0 && !shared.closed) this.idleFrom(shared, session);
  }

  /** No request in flight: the connection keeps no process alive, and closes when none comes for REQUEST_CONNECTION_IDLE_MS. */
  private idleFrom(shared: RequestSession, session: ClientHttp2Session): void {
    session.unref();
    shared.idle = setTimeout(() => this.close(shared), REQUEST_CONNECTION_IDLE_MS);
    shared.idle.unref();
  }

  /** PINGs a connection whose request ran out of time; closes it unless the answer comes within PING_TIMEOUT_MS. */
  private checkAlive(shared: RequestSession, session: ClientHttp2Session): void {
    if (shared.closed) return;
    const dead = setTimeout(() => this.close(shared), PING_TIMEOUT_MS);
    dead.unref();
    const sent = session.ping((err) => {
      if (err === null) clearTimeout(dead);
    });
    if (!sent) clearTimeout(dead);
  }

  /** Takes no new request on a connection the server is ending (GOAWAY); it closes once its streams have ended. */
  private retire(shared: RequestSession, session: ClientHttp2Session): void {
    if (this.session === shared) this.session = undefined;
    if (shared.closed) return;
    shared.closed = true;
    clearTimeout(shared.idle);
    session.close();
  }

  /** Closes a connection (its streams end with an error) and forgets it. */
  private close(shared: RequestSession): void {
    if (this.session === shared) this.session = undefined;
    if (shared.closed) return;
    shared.closed = true;
    clearTimeout(shared.idle);
    void shared.ready.then(
      (session) => session?.destroy(),
      () => undefined,
    );
    shared.socket.destroy();
  }
}
