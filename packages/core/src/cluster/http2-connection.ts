import type { ClientHttp2Session, ClientHttp2Stream, connect, constants, OutgoingHttpHeaders } from 'node:http2';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { keepSessionAlive, type SessionLiveness } from './session-liveness.js';

/**
 * node:http2, loaded with the first connection rather than with this module: a command that never
 * sends a request on one (`meshd validate`, a one-shot pass without the option) does not pay its
 * few ms of start-up.
 */
function http2(): { connect: typeof connect; constants: typeof constants } {
  return process.getBuiltinModule('node:http2');
}

/** A TLS handshake not finished by then fails the connection (the request or watch on it reports it). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Flow-control window per stream and per connection: a large answer or relist-sized event never stalls the others. */
const WINDOW_BYTES = 4 * 1024 * 1024;

/** The TLS settings of one set of credentials, and the identity that names them (connection.ts ConnectionSetup's `tls`). */
export interface Http2Identity {
  identity: string;
  options: ConnectionOptions;
}

/**
 * One TLS connection to an API server speaking HTTP/2 (ALPN), made with one TLS identity, and the
 * streams on it, as client-go's transport keeps one: the watches of a cluster and, where asked for,
 * its ordinary requests (http2-watch.ts, http2-request-connection.ts). It is referenced only while a
 * stream is open (an idle one keeps no process alive), closes after `idleMs` with no stream, when
 * the server ends it, when its owner takes it for dead, and when it goes silent and a PING gets no
 * answer (session-liveness.ts; a PING is also sent at once when a request on it runs out of time).
 * A GOAWAY from the server lets the streams in flight end and takes no new one (kube-apiserver
 * answers a 401 and then sends GOAWAY). Retries nothing.
 */
export class Http2Connection {
  /** Resolves to the session, or undefined when the server answered HTTP/1.1; rejects when the connection fails. */
  readonly ready: Promise<ClientHttp2Session | undefined>;
  private readonly socket: TLSSocket;
  private session: ClientHttp2Session | undefined;
  private liveness: SessionLiveness | undefined;
  private streams = 0;
  private idle: NodeJS.Timeout | undefined;
  /** Set once it takes no new stream: closed, or retired by the server's GOAWAY. */
  private ended = false;
  private destroyed = false;
  /** When a stream on it last received something (performance.now()): proof of life for a PING's verdict. */
  private heardAt = -Infinity;

  constructor(
    readonly identity: string,
    private readonly server: URL,
    tls: ConnectionOptions,
    private readonly idleMs: number,
  ) {
    const host = server.hostname.replace(/^\[|\]$/g, '');
    const named = tls.servername === undefined && !/^[\d.]+$/.test(host) && !host.includes(':');
    this.socket = connectTls({ ...tls, host, port: Number(server.port || 443), ALPNProtocols: ['h2', 'http/1.1'], ...(named ? { servername: host } : {}) });
    this.socket.setTimeout(CONNECT_TIMEOUT_MS);
    this.ready = new Promise<ClientHttp2Session | undefined>((resolve, reject) => {
      const fail = (err: Error): void => {
        this.close();
        reject(err);
      };
      this.socket.once('error', fail);
      this.socket.once('timeout', () => fail(new Error(`TLS connection to ${server.host} not established within ${CONNECT_TIMEOUT_MS / 1000} s`)));
      this.socket.once('secureConnect', () => {
        this.socket.removeListener('error', fail);
        this.socket.setTimeout(0);
        if (this.socket.alpnProtocol !== 'h2') {
          this.close();
          resolve(undefined);
          return;
        }
        resolve(this.start());
      });
    });
    this.ready.catch(() => undefined);
  }

  /** True once it is closed or the server is ending it: it takes no new stream. */
  get closed(): boolean {
    return this.ended;
  }

  /** True while it is established over HTTP/2 and takes new streams. */
  get established(): boolean {
    return this.session !== undefined && !this.ended;
  }

  /**
   * Opens a stream with `headers` (a request with no body when `endStream`), counted until it closes,
   * everything it receives counted as word from the server. Undefined when the connection is not
   * established or is closing (the caller sends the request another way).
   */
  stream(headers: OutgoingHttpHeaders, options: { endStream: boolean; signal?: AbortSignal | undefined }): ClientHttp2Stream | undefined {
    const session = this.session;
    if (session === undefined || this.ended) return undefined;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, options.signal ? { endStream: options.endStream, signal: options.signal } : { endStream: options.endStream });
    } catch {
      return undefined; // the session is closing
    }
    const heard = (): void => void (this.heardAt = performance.now());
    stream.on('response', heard);
    stream.on('data', heard);
    stream.once('close', () => this.streamClosed());
    this.streams++;
    clearTimeout(this.idle);
    this.idle = undefined;
    session.ref();
    return stream;
  }

  /** A request on it ran out of time: PING now, and close it unless the server answers or sends anything else in time. */
  checkNow(): void {
    this.liveness?.checkNow();
  }

  /** Closes it at once (its streams end with an error). */
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ended = true;
    clearTimeout(this.idle);
    // With an error, every stream on it fails with it. Without one, node ends them as if the server
    // had finished (their 'end', then code NO_ERROR): an answer or a watch cut short here would read
    // as whole (a 200 with half a body, an empty body read as {}).
    this.session?.destroy(new Error(`the HTTP/2 connection to ${this.server.host} was closed`));
    this.socket.destroy();
  }

  private start(): ClientHttp2Session {
    const session = http2().connect(this.server.origin, { createConnection: () => this.socket, settings: { initialWindowSize: WINDOW_BYTES } });
    session.on('error', () => this.close());
    session.on('goaway', () => this.retire());
    session.on('close', () => this.close());
    session.on('connect', () => session.setLocalWindowSize(WINDOW_BYTES));
    this.session = session;
    // A connection that goes silent is closed (its watches fail and relist) within 45 s, however long their requests last.
    this.liveness = keepSessionAlive(session, { dead: () => this.close(), lastHeard: () => this.heardAt });
    this.idleFrom(session);
    return session;
  }

  private streamClosed(): void {
    this.streams--;
    if (this.streams === 0 && !this.ended && this.session) this.idleFrom(this.session);
  }

  /** No stream open: keeps no process alive, and closes when none comes for idleMs. */
  private idleFrom(session: ClientHttp2Session): void {
    session.unref();
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(), this.idleMs);
    this.idle.unref();
  }

  /** The server is ending it (GOAWAY): no new stream; it closes once the streams in flight have ended. */
  private retire(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.idle);
    this.session?.close();
  }
}

/**
 * The one HTTP/2 connection a cluster's client keeps for a purpose, with the TLS identity of the
 * credentials it was made with: a request with another identity (a rotated certificate) gets a new
 * one and the old one is closed. Remembers identities whose server answered HTTP/1.1 (their
 * requests go the ordinary way from then on).
 */
export class Http2ConnectionSlot {
  private current: Http2Connection | undefined;
  private readonly http1 = new Set<string>();

  constructor(
    private readonly server: URL,
    private readonly idleMs: number,
  ) {}

  /**
   * The established connection for `tls`'s identity, opened when none is; undefined when the
   * server speaks HTTP/1.1 to it or the connection is closing. Rejects when it cannot connect.
   */
  async open(tls: Http2Identity): Promise<Http2Connection | undefined> {
    if (this.http1.has(tls.identity)) return undefined;
    const connection = this.connectionFor(tls);
    const session = await connection.ready;
    if (session === undefined) this.http1.add(tls.identity);
    return connection.established ? connection : undefined;
  }

  /** True when the server answered HTTP/1.1 to this identity. */
  speaksHttp1(identity: string): boolean {
    return this.http1.has(identity);
  }

  /** The connection established right now (any identity), or undefined. */
  established(): Http2Connection | undefined {
    const current = this.current;
    return current?.established === true ? current : undefined;
  }

  private connectionFor(tls: Http2Identity): Http2Connection {
    const current = this.current;
    if (current && !current.closed && current.identity === tls.identity) return current;
    // Another identity's connection is closed; one the server retired (GOAWAY) lets its streams end.
    if (current && !current.closed) current.close();
    const connection = new Http2Connection(tls.identity, this.server, tls.options, this.idleMs);
    this.current = connection;
    return connection;
  }
}
