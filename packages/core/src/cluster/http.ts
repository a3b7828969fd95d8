import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import pLimit from 'p-limit';
import { MeshdError } from '../errors.js';
import { anySignal } from '../util/any-signal.js';
import { deadline } from '../util/deadline.js';
import type { RequestAuth } from './connection.js';
import { KubeApiError, spokenDuration } from './failure.js';
import { MAX_REQUESTS_PER_CLUSTER, SilenceBreaker } from './request-limit.js';
import type { StreamSender } from './http2-request.js';

/** One request to the Kubernetes API: a path under the server URL, its query, and a JSON (or YAML/patch) body. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Starts with `/`: `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
  /** Sent as JSON unless a string (sent as is). */
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string | undefined;
  /** Aborts this request (on top of the client's own signal and time limit). */
  signal?: AbortSignal | undefined;
  /**
   * A 404 answer resolves with null instead of rejecting with a KubeApiError: a read of an object that
   * may well be absent (most of a first install's reads) makes no error, its stack or its message.
   */
  absentIsNull?: boolean | undefined;
}

/**
 * The largest answer read: a list of every Secret of a big cluster is a few MiB; anything past this
 * is not an answer meshd can use, and reading it whole would let one server exhaust the bastion's
 * memory.
 */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** What came back: the status and the body (read to its end). */
interface Answer {
  status: number;
  body: Buffer;
}

/** "GET /api/v1/nodes": a request named for messages, never with its query (which may carry credentials). */
function describeRequest(req: KubeRequest): string {
  return `${req.method} ${req.path}`;
}

function urlOf(server: string, req: KubeRequest): URL {
  const url = new URL(server.replace(/\/$/, '') + req.path);
  for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
  return url;
}

/** Reads an answer to its end, at most `maxBytes`; a connection that closes mid-body is an error (never a short answer). */
function readAnswer(res: IncomingMessage, what: string, maxBytes: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new MeshdError('MESHD_ERR_API', `${what}: the answer is larger than ${maxBytes} bytes; not read`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('end', () => {
      if (res.complete) resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
      else reject(new Error(`${what}: the connection closed before the end of the answer`));
    });
    res.on('error', () => reject(new Error(`${what}: the connection closed before the end of the answer`)));
    res.on('close', () => {
      if (!res.complete) reject(new Error(`${what}: the connection closed before the end of the answer`));
    });
  });
}

/**
 * A 2xx answer's JSON; an empty body is `{}`; a 404 null when the request asked for it
 * (KubeRequest.absentIsNull). A body that is not JSON is MESHD_ERR_API (a proxy's HTML page, say).
 */
function parseAnswer<T>(answer: Answer, what: string, absentIsNull: boolean | undefined): T {
  if (answer.status === 404 && absentIsNull === true) return null as T;
  if (answer.status < 200 || answer.status > 299) throw new KubeApiError(answer.status, answer.body.subarray(0, 64 * 1024).toString('utf8'));
  if (answer.body.length === 0) return {} as T;
  try {
    return JSON.parse(answer.body.toString('utf8')) as T;
  } catch {
    throw new MeshdError('MESHD_ERR_API', `${what}: the API server answered HTTP ${answer.status} with a body that is not JSON`);
  }
}

/** A request's body and headers: the credentials' headers, JSON accepted, and the body's type and length. */
function requestContent(
  req: KubeRequest,
  credentials: Record<string, string | string[]>,
): { payload: Buffer | undefined; headers: Record<string, string | string[]> } {
  const payload = req.body === undefined ? undefined : Buffer.from(typeof req.body === 'string' ? req.body : JSON.stringify(req.body));
  const headers: Record<string, string | string[]> = { accept: 'application/json', ...credentials };
  if (payload) Object.assign(headers, { 'content-type': req.contentType ?? 'application/json', 'content-length': String(payload.length) });
  return { payload, headers };
}

/** A network error of a proxied connection, naming the proxy ("… (through the proxy http://127.0.0.1:3128)"). */
function throughProxy(err: Error, proxy: string): Error {
  return new Error(`${err.message} (through the proxy ${proxy})`, { cause: err });
}

/** A promise that rejects when `signal` aborts (never settles otherwise), and its clean-up. */
function whenAborted(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined); // the race observes it; an unraced rejection is not an error
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Names an aborted request: one that ran out of its own time is MESHD_ERR_TIMEOUT ("GET /version
 * timed out after 10 s"), one whose caller's time limit ran out MESHD_ERR_TIMEOUT too ("GET /version
 * timed out (the caller's time limit)": its own limit is not what ran out), one aborted by meshd
 * (shutdown, lost lease) carries that reason; other errors pass unchanged.
 */
function abortedRequestError(what: string, signals: { own: AbortSignal; caller: AbortSignal | undefined }, timeoutMs: number, err: unknown): unknown {
  const { own, caller } = signals;
  if (!own.aborted) return err;
  const reason: unknown = own.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    const limit = caller?.aborted ? "(the caller's time limit)" : `after ${spokenDuration(timeoutMs)}`;
    return new MeshdError('MESHD_ERR_TIMEOUT', `${what} timed out ${limit}`, { cause: err });
  }
  const why = reason instanceof Error ? reason.message : String(reason);
  return new Error(`${what} aborted: ${why}`, { cause: err });
}

/** The options of one KubeHttp. */
export interface KubeHttpOptions {
  /** The API server URL (http or https). */
  server: string;
  auth: RequestAuth;
  /** Per-request time limit, counted from when the request is made (time queued counts). */
  timeoutMs: number;
  /** Aborts every request (daemon shutdown). */
  signal?: AbortSignal | undefined;
  /** The largest answer read; default MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number | undefined;
  /**
   * Sends requests as HTTP/2 streams where it can: on the connection the cluster's watches hold (the
   * daemon's option) or on one of the client's own (the one-shot commands). Asked on each request.
   */
  streams?: (() => StreamSender | undefined) | undefined;
}

/**
 * meshd's own Kubernetes request layer for one cluster: requests over node:http(s) with the
 * kubeconfig's credentials (auth.ts), at most MAX_REQUESTS_PER_CLUSTER in flight (each read to its
 * end before its slot is freed), a fail-fast breaker for a cluster that stopped answering, a
 * deadline per request, answers capped at MAX_RESPONSE_BYTES, and errors as KubeApiError (an HTTP
 * error status, never followed: a redirect is an error, so credentials never go to another host),
 * MeshdError (timeouts, non-JSON answers, credentials) or a plain Error (the network). Owns its limiter.
 */
export class KubeHttp {
  // One request first: the connections opened after it resume its TLS session (an abbreviated
  // handshake, no certificate sent or checked) instead of each making a full one; then up to
  // MAX_REQUESTS_PER_CLUSTER at once.
  private readonly limit = pLimit(1);
  private readonly breaker: SilenceBreaker;
  private readonly secure: boolean;

  constructor(private readonly o: KubeHttpOptions) {
    this.breaker = new SilenceBreaker(o.timeoutMs);
    this.secure = o.server.startsWith('https:');
  }

  /** Sends one request and resolves with its JSON answer (typed by the caller). */
  async request<T>(req: KubeRequest): Promise<T> {
    // The client's signal lives as long as the client: anySignal, not AbortSignal.any (any-signal.ts).
    const both = req.signal && this.o.signal ? anySignal([req.signal, this.o.signal]) : undefined;
    const parent = both?.signal ?? req.signal ?? this.o.signal;
    const d = deadline(this.o.timeoutMs, parent);
    try {
      return parseAnswer<T>(await this.limit(() => this.admitted(req, d.signal, parent)), describeRequest(req), req.absentIsNull);
    } finally {
      this.limit.concurrency = MAX_REQUESTS_PER_CLUSTER;
      d.dispose();
      both?.dispose();
    }
  }

  /**
   * Sends one request once its slot is free. `signal` is the request's own deadline and `caller`
   * the signals it was given: only the request's own time limit running out says the cluster is
   * silent (the breaker); a caller that gave up sooner (a probe's 1.5 s, a cancelled pass) says
   * nothing about the cluster (and ends a trial, so the next request is tried).
   */
  private async admitted(req: KubeRequest, signal: AbortSignal, caller: AbortSignal | undefined): Promise<Answer> {
    const what = describeRequest(req);
    const refused = this.breaker.admit(what);
    if (refused) throw refused;
    const abort = whenAborted(signal);
    try {
      // Raced against the signal: a request whose socket never settles after an abort still frees
      // its slot when its time is up, so the requests queued behind it are not stuck forever.
      const answer = await Promise.race([this.send(req, signal), abort.promise]);
      this.breaker.answered();
      return answer;
    } catch (err) {
      // A credential that cannot be had or an answer meshd cannot use keeps its own error.
      const named = err instanceof MeshdError ? err : abortedRequestError(what, { own: signal, caller }, this.o.timeoutMs, err);
      if (caller?.aborted) this.breaker.abandoned();
      else this.breaker.failed(named, what);
      throw named;
    } finally {
      abort.dispose();
    }
  }

  /**
   * Sends one request: as a stream on the cluster's HTTP/2 connection when the client shares it and
   * it can carry the request, else over the keep-alive agent. Either way the answer is judged the
   * same (parseAnswer) and errors are classified the same (admitted).
   */
  private async send(req: KubeRequest, signal: AbortSignal): Promise<Answer> {
    const setup = await this.o.auth.setup('requests');
    signal.throwIfAborted();
    const { payload, headers } = requestContent(req, setup.headers);
    const url = urlOf(this.o.server, req);
    const maxBytes = this.o.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    const streams = this.secure && setup.proxy === undefined ? this.o.streams?.() : undefined;
    const streamed = await streams?.({ method: req.method, path: url.pathname + url.search, headers, body: payload, tls: setup.tls }, signal, maxBytes);
    if (streamed !== undefined) return streamed;
    signal.throwIfAborted();
    const send = this.secure ? httpsRequest : httpRequest;
    const what = describeRequest(req);
    return await new Promise<Answer>((resolve, reject) => {
      const r = send(url, { method: req.method, headers, agent: setup.agent, signal }, (res) => {
        readAnswer(res, what, maxBytes).then(resolve, reject);
      });
      r.on('error', (err) => reject(setup.proxy === undefined ? err : throughProxy(err, setup.proxy)));
      r.end(payload);
    });
  }
}
