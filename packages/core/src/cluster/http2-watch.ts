import { STATUS_CODES } from 'node:http';
import type { ClientHttp2Session, ClientHttp2Stream, connect, constants, IncomingHttpHeaders } from 'node:http2';
import { connect as connectTls } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ConnectionSetup, RequestAuth } from './connection.js';
import type { KubeconfigView } from './kubeconfig-view.js';
import { cancelUnfinished, readStreamAnswer, streamHeaders } from './http2-request.js';
import type { StreamAnswer, StreamRequest, StreamSender } from './http2-request.js';
import { keepSessionAlive, type SessionLiveness } from './session-liveness.js';

/**
 * node:http2, loaded when the first watch opens a connection rather than with this module: the
 * one-shot commands (plan, apply) import the cluster client but never watch, and loading node:http2
 * is a few ms of their start-up.
 */
function http2(): { connect: typeof connect; constants: typeof constants } {
  return process.getBuiltinModule('node:http2');
}

/** Called for every event line of a watch: its type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) and object. */
export type WatchEventCallback = (type: string, object: KubernetesObject) => void;
/** Called once when a watch ends: null for the server's clean end, else the error. */
export type WatchDoneCallback = (err: unknown) => void;

/** A running watch request. */
export interface WatchHandle {
  /** Ends the request (its done callback still runs once). */
  abort(): void;
  /**
   * The caller takes the connection under the request for dead (no answer where one was due): it is
   * closed, with every other watch on it, so the next watch opens a fresh one.
   */
  connectionDead(): void;
}

/** Starts watch requests on one cluster (the shape of client-node's Watch, plus connectionDead). */
export interface WatchTransport {
  watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    onEvent: WatchEventCallback,
    done: WatchDoneCallback,
  ): Promise<WatchHandle>;
  /**
   * GET `path` (a small JSON answer, such as /version) as one more stream on the connection the
   * watches hold, when one is open: a cluster asked every few minutes then costs no new TLS
   * connection. Resolves undefined when no such connection is open (the caller sends an ordinary
   * request); rejects when the server answers an error status or the stream fails or `signal` aborts.
   */
  read?(path: string, signal: AbortSignal, options?: ReadOptions): Promise<unknown>;
  /** Sends an ordinary request on the watches' connection (http2-request.ts StreamSender); absent where there is none. */
  send?: StreamSender;
  /**
   * The watches' connection open right now, as a token that stays the same object while that one
   * connection stays open (PINGs prove it alive: session-liveness.ts), or undefined when none is.
   * The same token at two moments means the server never went away in between (its restart closes
   * the connection): the version probe skips a read then.
   */
  openConnection?(): object | undefined;
}

/** Options of WatchTransport.read. */
export interface ReadOptions {
  /**
   * Open the watches' connection when none is open (a watch's list, made just before its watch
   * needs that connection anyway), instead of resolving undefined; undefined still when the server
   * does not speak HTTP/2 or the kubeconfig is not HTTPS.
   */
  connect?: boolean;
  /** The largest answer taken (default 1 MiB); a larger one rejects. */
  maxBytes?: number;
}

/** A session with no watch on it closes after this long (like the agents' idle sockets). */
const IDLE_SESSION_MS = 5_000;
/** A TLS handshake that has not finished by then fails the watch (the caller backs off and retries). */
const CONNECT_TIMEOUT_MS = 10_000;
/** Flow-control window per watch and per connection: a large relist-sized event never stalls the others. */
const WINDOW_BYTES = 4 * 1024 * 1024;
/** The largest answer read() takes by default: what it is for (a version, a status) is a few hundred bytes. */
const MAX_READ_BYTES = 1024 * 1024;

/**
 * client-node's own Watch: one HTTP/1.1 connection per watch request, for servers that do not
 * speak HTTP/2 and for plain-HTTP or proxied kubeconfigs. client-node is loaded on the first such
 * watch (a one-shot command never watches).
 */
class Http1WatchTransport implements WatchTransport {
  private watcher: Promise<{ watch: (...args: Parameters<WatchTransport['watch']>) => Promise<AbortController> }> | undefined;

  constructor(private readonly view: KubeconfigView) {}

  readonly watch: WatchTransport['watch'] = async (path, params, onEvent, done) => {
    this.watcher ??= import('./agent.js').then(({ ConnectionReusingKubeConfig, Watch }) => {
      const kc = new ConnectionReusingKubeConfig();
      kc.loadFromString(this.view.text);
      return new Watch(kc);
    });
    const controller = await (await this.watcher).watch(path, params, (type: string, object: KubernetesObject) => onEvent(type, object), done);
    return { abort: () => controller.abort(), connectionDead: () => undefined };
  };
}

/** The watch URL's path and query, as client-node's Watch builds it. */
export function watchRequestPath(path: string, params: Record<string, string | number | boolean | undefined>): string {
  const query = new URLSearchParams({ watch: 'true' });
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value));
  return `${path}?${query.toString()}`;
}

/** One HTTP/2 connection to the cluster and the watches on it. */
interface SharedSession {
  identity: string;
  /** Resolves to the session, or undefined when the server does not speak HTTP/2; rejects when the connection fails. */
  ready: Promise<ClientHttp2Session | undefined>;
  socket: TLSSocket;
  /** The session once it is established (undefined before, and for a server that answered HTTP/1.1). */
  live: ClientHttp2Session | undefined;
  streams: number;
  idle: NodeJS.Timeout | undefined;
  closed: boolean;
  /** The session's PINGs (session-liveness.ts), once it is established. */
  liveness: SessionLiveness | undefined;
  /** When a stream on it last received something (performance.now()): proof of life for a PING's verdict. */
  heardAt: number;
}

/** An open session with the headers a request on it carries. */
interface OpenSession {
  shared: SharedSession;
  session: ClientHttp2Session;
  headers: Record<string, string | string[]>;
}

/**
 * Watches multiplexed on one HTTP/2 connection per cluster, as client-go does: a daemon with
 * hundreds of remotes and several watches on each holds one TLS connection per cluster instead of
 * one per watch (each costs ~0.1 MB of TLS and stream buffers). The server is asked for h2 by ALPN;
 * one that answers HTTP/1.1 gets client-node's Watch from then on (as do proxied and plain-HTTP
 * kubeconfigs). Headers (token, exec credential) are taken from the kubeconfig for every request;
 * a new TLS identity gets a new connection. The connection closes when no watch has used it for
 * IDLE_SESSION_MS, at once when a caller finds it dead (connectionDead), and when it goes silent
 * and a PING gets no answer (session-liveness.ts, as client-go's transport does). Owns its connection.
 */
export class Http2WatchTransport implements WatchTransport {
  private session: SharedSession | undefined;
  private readonly http1 = new Set<string>();
  private readonly fallback: Http1WatchTransport;

  constructor(
    private readonly view: KubeconfigView,
    private readonly auth: RequestAuth,
  ) {
    this.fallback = new Http1WatchTransport(view);
  }

  async watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    onEvent: WatchEventCallback,
    done: WatchDoneCallback,
  ): Promise<WatchHandle> {
    const server = this.view.cluster.server;
    let setup: ConnectionSetup | undefined;
    try {
      setup = server.startsWith('https://') ? await this.auth.setup('watches') : undefined;
    } catch (err) {
      done(err);
      return { abort: () => undefined, connectionDead: () => undefined };
    }
    const tls = setup?.tls;
    if (!setup || !tls || this.http1.has(tls.identity)) return this.fallback.watch(path, params, onEvent, done);
    const shared = this.sessionFor(server, { identity: tls.identity, tls: tls.options });
    let session: ClientHttp2Session | undefined;
    try {
      session = await shared.ready;
    } catch (err) {
      done(err);
      return { abort: () => undefined, connectionDead: () => undefined };
    }
    if (!session) {
      this.http1.add(tls.identity);
      return this.fallback.watch(path, params, onEvent, done);
    }
    return this.request(shared, session, { path: watchRequestPath(path, params), headers: setup.headers }, { onEvent, done });
  }

  async read(path: string, signal: AbortSignal, options: ReadOptions = {}): Promise<unknown> {
    const found = options.connect === true ? await this.openSession() : await this.liveSession();
    if (found === undefined) return undefined;
    const { shared, session, headers } = found;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(streamHeaders('GET', path, headers), { endStream: true, signal });
    } catch {
      return undefined; // the session is closing: an ordinary request does it
    }
    this.streamStarted(shared, stream);
    try {
      return await readAnswer(stream, path, options.maxBytes ?? MAX_READ_BYTES);
    } catch (err) {
      if (signal.aborted) shared.liveness?.checkNow();
      throw err;
    } finally {
      this.streamEnded(shared);
      cancelUnfinished(stream);
    }
  }

  /**
   * Sends an ordinary request as one more stream on the watches' connection (opened when none is:
   * the cluster's watches need it too), so a daemon's passes make no TLS connections of their own.
   * Undefined when the connection cannot carry it (see StreamSender): the caller sends it the
   * ordinary way. A request that runs out of time has its connection checked at once (a PING,
   * session-liveness.ts): one that neither answers it nor delivers anything else within the PING
   * timeout is closed (dropped silently), so the next request opens a new one; a connection still
   * busy answering other streams is kept (only that request was slow).
   */
  readonly send = async (req: StreamRequest, signal: AbortSignal, maxBytes: number): Promise<StreamAnswer | undefined> => {
    const found = await this.openSession().catch(() => undefined);
    if (found === undefined || signal.aborted) return undefined;
    const { shared, session } = found;
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(streamHeaders(req.method, req.path, req.headers), { endStream: req.body === undefined, signal });
    } catch {
      return undefined; // the session is closing: an ordinary request does it
    }
    this.streamStarted(shared, stream);
    if (req.body !== undefined) stream.end(req.body);
    try {
      return await readStreamAnswer(stream, `${req.method} ${req.path.split('?')[0] ?? ''}`, maxBytes);
    } catch (err) {
      if (signal.aborted) shared.liveness?.checkNow();
      throw err;
    } finally {
      this.streamEnded(shared);
      cancelUnfinished(stream);
    }
  };

  /** The open session and the request headers, when a session with the current TLS identity is open. */
  private async liveSession(): Promise<OpenSession | undefined> {
    const shared = this.session;
    if (shared?.live === undefined || shared.closed) return undefined;
    const setup = await this.auth.setup('watches');
    if (setup.tls?.identity !== shared.identity || shared.closed) return undefined;
    return { shared, session: shared.live, headers: setup.headers };
  }

  /** The session with the current TLS identity, opened when none is; undefined over HTTP/1.1 or plain HTTP. Rejects when it cannot connect. */
  private async openSession(): Promise<OpenSession | undefined> {
    const server = this.view.cluster.server;
    if (!server.startsWith('https://')) return undefined;
    const setup = await this.auth.setup('watches');
    const tls = setup.tls;
    if (!tls || this.http1.has(tls.identity)) return undefined;
    const shared = this.sessionFor(server, { identity: tls.identity, tls: tls.options });
    const session = await shared.ready;
    if (session === undefined) this.http1.add(tls.identity);
    return session === undefined || shared.closed ? undefined : { shared, session, headers: setup.headers };
  }

  private sessionFor(server: string, setup: { identity: string; tls: ConnectionOptions }): SharedSession {
    const current = this.session;
    if (current && !current.closed && current.identity === setup.identity) return current;
    if (current) this.close(current);
    const url = new URL(server);
    const socket = connectTls({
      ...setup.tls,
      host: url.hostname,
      port: Number(url.port || 443),
      ALPNProtocols: ['h2', 'http/1.1'],
      ...(setup.tls.servername === undefined && isHostname(url.hostname) ? { servername: url.hostname } : {}),
    });
    socket.setTimeout(CONNECT_TIMEOUT_MS);
    const shared: SharedSession = {
      identity: setup.identity,
      socket,
      live: undefined,
      streams: 0,
      idle: undefined,
      closed: false,
      liveness: undefined,
      heardAt: -Infinity,
      ready: Promise.resolve(undefined),
    };
    shared.ready = new Promise<ClientHttp2Session | undefined>((resolve, reject) => {
      const fail = (err: Error): void => {
        this.close(shared);
        reject(err);
      };
      socket.once('error', fail);
      socket.once('timeout', () => fail(new Error(`TLS connection to ${url.host} not established within ${CONNECT_TIMEOUT_MS / 1000} s`)));
      socket.once('secureConnect', () => {
        socket.removeListener('error', fail);
        socket.setTimeout(0);
        if (socket.alpnProtocol !== 'h2') {
          this.close(shared);
          resolve(undefined);
          return;
        }
        shared.live = this.startSession(shared, url);
        resolve(shared.live);
      });
    });
    shared.ready.catch(() => undefined);
    this.session = shared;
    return shared;
  }

  openConnection(): object | undefined {
    const shared = this.session;
    return shared?.live !== undefined && !shared.closed ? shared : undefined;
  }

  private startSession(shared: SharedSession, url: URL): ClientHttp2Session {
    const session = http2().connect(url.origin, { createConnection: () => shared.socket, settings: { initialWindowSize: WINDOW_BYTES } });
    session.on('error', () => this.close(shared));
    session.on('goaway', () => this.close(shared));
    session.on('close', () => this.close(shared));
    session.on('connect', () => session.setLocalWindowSize(WINDOW_BYTES));
    // A connection that goes silent is closed (its watches fail and relist) within 45 s, however long their requests last.
    shared.liveness = keepSessionAlive(session, { dead: () => this.close(shared), lastHeard: () => shared.heardAt });
    return session;
  }

  /** Closes a session (its streams end with an error) and forgets it. */
  private close(shared: SharedSession): void {
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

  private request(
    shared: SharedSession,
    session: ClientHttp2Session,
    target: { path: string; headers: Record<string, string | string[]> },
    callbacks: { onEvent: WatchEventCallback; done: WatchDoneCallback },
  ): WatchHandle {
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(streamHeaders('GET', target.path, target.headers), { endStream: true });
    } catch (err) {
      this.close(shared);
      callbacks.done(err);
      return { abort: () => undefined, connectionDead: () => undefined };
    }
    this.streamStarted(shared, stream);
    let finished = false;
    const finish = (result: unknown): void => {
      if (finished) return;
      finished = true;
      // A stream cut short by its connection closing (or reset by the server) may still "end":
      // that is a broken watch, not the server's clean end of the request.
      const reset = stream.rstCode !== undefined && stream.rstCode !== http2().constants.NGHTTP2_NO_ERROR;
      const err =
        result === null && (shared.closed || reset) ? new Error(`watch stream ended with its connection (HTTP/2 code ${stream.rstCode ?? 'none'})`) : result;
      this.streamEnded(shared);
      cancelUnfinished(stream);
      callbacks.done(err);
    };
    readStream(stream, callbacks.onEvent, finish);
    return {
      abort: () => finish(null),
      connectionDead: () => {
        this.close(shared);
        finish(new Error('watch connection presumed dead'));
      },
    };
  }

  /** Counts a stream on the session, and everything it receives as word from the server (heardAt). */
  private streamStarted(shared: SharedSession, stream: ClientHttp2Stream): void {
    const heard = (): void => void (shared.heardAt = performance.now());
    stream.on('response', heard);
    stream.on('data', heard);
    shared.streams++;
    clearTimeout(shared.idle);
    shared.idle = undefined;
  }

  private streamEnded(shared: SharedSession): void {
    shared.streams--;
    if (shared.streams > 0 || shared.closed) return;
    shared.idle = setTimeout(() => this.close(shared), IDLE_SESSION_MS);
    shared.idle.unref();
  }
}

/** Reads one answer whole (at most `maxBytes`): its JSON when the status is 200, else an error naming the status. */
function readAnswer(stream: ClientHttp2Stream, path: string, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('response', (headers: IncomingHttpHeaders) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else stream.destroy(new Error(`GET ${path}: the answer is larger than ${maxBytes} bytes`));
    });
    stream.on('end', () => {
      if (status !== 200) reject(Object.assign(new Error(`GET ${path}: ${STATUS_CODES[status] ?? `HTTP ${status}`}`), { statusCode: status }));
      else resolve(parseJson(Buffer.concat(chunks), path));
    });
    stream.on('error', reject);
    stream.on('close', () => reject(new Error(`GET ${path}: the stream closed before its end (HTTP/2 code ${stream.rstCode ?? 'none'})`)));
  });
}

/** An answer's JSON; one that is not JSON is an error (thrown into the caller's promise, never out of an event handler). */
function parseJson(body: Buffer, path: string): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return Promise.reject(new Error(`GET ${path}: the answer is not JSON`));
  }
}

function isHostname(host: string): boolean {
  return !/^[\d.]+$/.test(host) && !host.includes(':');
}

/**
 * Reads one watch response: newline-delimited JSON events while the status is 200 (a line that is
 * not JSON is skipped, as client-node does), an error naming the status otherwise. `finish` gets
 * null when the server ended the response, an error when the stream broke before its end.
 */
function readStream(stream: ClientHttp2Stream, onEvent: WatchEventCallback, finish: (err: unknown) => void): void {
  let status = 0;
  let ended = false;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('response', (headers: IncomingHttpHeaders) => {
    status = Number(headers[':status']);
  });
  stream.on('data', (chunk: string) => {
    if (status !== 200) return;
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      emitLine(pending.slice(0, newline), onEvent);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  });
  stream.on('end', () => {
    ended = true;
    if (status === 200) {
      emitLine(pending, onEvent);
      finish(null);
    } else finish(Object.assign(new Error(STATUS_CODES[status] ?? `HTTP ${status}`), { statusCode: status }));
  });
  stream.on('error', (err: Error) => finish(err));
  stream.on('close', () => {
    if (!ended) finish(new Error(`watch stream closed before its end (HTTP/2 code ${stream.rstCode ?? 'none'})`));
  });
}

function emitLine(line: string, onEvent: WatchEventCallback): void {
  if (line.trim() === '') return;
  let data: { type?: unknown; object?: unknown };
  try {
    data = JSON.parse(line) as { type?: unknown; object?: unknown };
  } catch {
    return;
  }
  if (typeof data.type === 'string') onEvent(data.type, data.object as KubernetesObject);
}

/** The watch transport for a kubeconfig and its request credentials: HTTP/2 where the server speaks it, client-node's Watch otherwise. */
export function watchTransportFor(view: KubeconfigView, auth: RequestAuth): WatchTransport {
  return new Http2WatchTransport(view, auth);
}
