import { STATUS_CODES } from 'node:http';
import type { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { RequestAuth } from './connection.js';
import type { KubeconfigView } from './kubeconfig-view.js';
import { Http2ConnectionSlot, type Http2Connection } from './http2-connection.js';
import { cancelUnfinished, closedCleanly, sendOnConnection, streamHeaders } from './http2-request.js';
import type { StreamAnswer, StreamRequest, StreamSender } from './http2-request.js';

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

/** A connection with no stream on it closes after this long (like the agents' idle sockets). */
const IDLE_SESSION_MS = 5_000;
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

/** An established connection with the headers a request on it carries. */
interface OpenConnection {
  connection: Http2Connection;
  headers: Record<string, string | string[]>;
}

/** A watch that could not start: its done callback has run. */
const NOT_STARTED: WatchHandle = { abort: () => undefined, connectionDead: () => undefined };

/**
 * Watches multiplexed on one HTTP/2 connection per cluster (http2-connection.ts), as client-go
 * does: a daemon with hundreds of remotes and several watches on each holds one TLS connection per
 * cluster instead of one per watch (each costs ~0.1 MB of TLS and stream buffers). A server that
 * answers HTTP/1.1 gets client-node's Watch from then on (as do proxied and plain-HTTP kubeconfigs).
 * Headers (token, exec credential) are taken from the kubeconfig for every request; a new TLS
 * identity gets a new connection. The connection closes when no stream has used it for
 * IDLE_SESSION_MS, at once when a caller finds it dead (connectionDead), and when it goes silent and
 * a PING gets no answer. Owns its connection.
 */
export class Http2WatchTransport implements WatchTransport {
  private readonly slot: Http2ConnectionSlot | undefined;
  private readonly fallback: Http1WatchTransport;

  constructor(
    view: KubeconfigView,
    private readonly auth: RequestAuth,
  ) {
    const server = view.cluster.server;
    this.slot = server.startsWith('https://') ? new Http2ConnectionSlot(new URL(server), IDLE_SESSION_MS) : undefined;
    this.fallback = new Http1WatchTransport(view);
  }

  async watch(
    path: string,
    params: Record<string, string | number | boolean | undefined>,
    onEvent: WatchEventCallback,
    done: WatchDoneCallback,
  ): Promise<WatchHandle> {
    let open: OpenConnection | undefined;
    try {
      open = await this.openConnectionWithHeaders();
    } catch (err) {
      done(err);
      return NOT_STARTED;
    }
    if (open === undefined) return this.fallback.watch(path, params, onEvent, done);
    return startWatch(open, watchRequestPath(path, params), { onEvent, done });
  }

  async read(path: string, signal: AbortSignal, options: ReadOptions = {}): Promise<unknown> {
    const open = options.connect === true ? await this.openConnectionWithHeaders() : await this.establishedConnection();
    if (open === undefined) return undefined;
    const answer = await sendOnConnection(open.connection, { method: 'GET', path, headers: open.headers }, signal, options.maxBytes ?? MAX_READ_BYTES);
    if (answer === undefined) return undefined;
    if (answer.status !== 200)
      throw Object.assign(new Error(`GET ${path}: ${STATUS_CODES[answer.status] ?? `HTTP ${answer.status}`}`), { statusCode: answer.status });
    try {
      return JSON.parse(answer.body.toString('utf8')) as unknown;
    } catch {
      throw new Error(`GET ${path}: the answer is not JSON`);
    }
  }

  /**
   * Sends an ordinary request as one more stream on the watches' connection (opened when none is:
   * the cluster's watches need it too), so a daemon's passes make no TLS connections of their own.
   * Undefined when the connection cannot carry it (see StreamSender): the caller sends it the
   * ordinary way. A request that runs out of time has its connection checked (sendOnConnection).
   */
  readonly send = async (req: StreamRequest, signal: AbortSignal, maxBytes: number): Promise<StreamAnswer | undefined> => {
    const open = await this.openConnectionWithHeaders().catch(() => undefined);
    return open === undefined ? undefined : sendOnConnection(open.connection, req, signal, maxBytes);
  };

  openConnection(): object | undefined {
    return this.slot?.established();
  }

  /** The established connection with the current TLS identity, when one is open. */
  private async establishedConnection(): Promise<OpenConnection | undefined> {
    const connection = this.slot?.established();
    if (connection === undefined) return undefined;
    const setup = await this.auth.setup('watches');
    if (setup.tls?.identity !== connection.identity || !connection.established) return undefined;
    return { connection, headers: setup.headers };
  }

  /** The connection with the current TLS identity, opened when none is; undefined over HTTP/1.1 or plain HTTP. Rejects when it cannot connect. */
  private async openConnectionWithHeaders(): Promise<OpenConnection | undefined> {
    if (this.slot === undefined) return undefined;
    const setup = await this.auth.setup('watches');
    if (setup.tls === undefined) return undefined;
    const connection = await this.slot.open(setup.tls);
    return connection === undefined ? undefined : { connection, headers: setup.headers };
  }
}

/** Starts one watch request as a stream of the connection; its events go to onEvent, its end to done (once). */
function startWatch(open: OpenConnection, path: string, callbacks: { onEvent: WatchEventCallback; done: WatchDoneCallback }): WatchHandle {
  const { connection } = open;
  const stream = connection.stream(streamHeaders('GET', path, open.headers), { endStream: true });
  if (stream === undefined) {
    callbacks.done(new Error('watch not started: its HTTP/2 connection is closing'));
    return NOT_STARTED;
  }
  let finished = false;
  const finish = (result: unknown): void => {
    if (finished) return;
    finished = true;
    cancelUnfinished(stream);
    callbacks.done(result);
  };
  readStream(stream, callbacks.onEvent, finish);
  return {
    abort: () => finish(null),
    connectionDead: () => {
      connection.close();
      finish(new Error('watch connection presumed dead'));
    },
  };
}

/**
 * Reads one watch response: newline-delimited JSON events while the status is 200 (a line that is
 * not JSON is skipped, as client-node does), an error naming the status otherwise. Judged when the
 * stream closes: `finish` gets null when the server ended the response cleanly (on a connection it
 * retired with GOAWAY too: the watch resumes from its last version), an error when the stream was
 * reset or cut short with its connection (then it 'ends' too: closedCleanly tells them apart).
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
  stream.on('end', () => (ended = true));
  stream.on('error', (err: Error) => finish(err));
  stream.on('close', () => {
    if (status > 0 && status !== 200) finish(Object.assign(new Error(STATUS_CODES[status] ?? `HTTP ${status}`), { statusCode: status }));
    else if (!closedCleanly(stream, ended)) finish(new Error(`watch stream closed before its end (HTTP/2 code ${stream.rstCode ?? 'none'})`));
    else {
      emitLine(pending, onEvent);
      finish(null);
    }
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
