import { IsomorphicFetchHttpLibrary, ResponseContext, wrapHttpLibrary } from '@kubernetes/client-node';
import type { HttpLibrary, RequestContext } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { MeshdError } from '../errors.js';
import { deadline } from '../util/deadline.js';
import type { Deadline } from '../util/deadline.js';
import { spokenDuration } from './failure.js';

const deadlines = new WeakMap<RequestContext, Deadline>();

/**
 * Gives a request its time limit (from now: time queued behind other requests counts) and the
 * caller's signal; limitedHttpLibrary ends the timer when the request is done. A `deadline`, not
 * `AbortSignal.any` over `AbortSignal.timeout`, which garbage collection can silence (see deadline).
 */
export function startDeadline(request: RequestContext, timeoutMs: number, signal: AbortSignal | undefined): void {
  deadlines.get(request)?.dispose();
  const d = deadline(timeoutMs, signal);
  deadlines.set(request, d);
  request.setSignal(d.signal);
}

/** Ends the timer startDeadline gave `request` and its listener on the caller's signal. */
function endDeadline(request: RequestContext): void {
  deadlines.get(request)?.dispose();
  deadlines.delete(request);
}

/**
 * Requests to one cluster in flight at once; more wait here. Each new connection costs a TLS
 * handshake (measured: 500 clusters converge in 17 s with 16, 11 s with 4, 10 s with 2), and a few
 * in parallel still hide a distant API server's round trips.
 */
export const MAX_REQUESTS_PER_CLUSTER = 4;

/**
 * client-node's HTTP library with at most MAX_REQUESTS_PER_CLUSTER requests in flight, each read to
 * its end before its slot is freed. The limit lives here, not in the agent (maxSockets): a request
 * queued inside an agent for a kept-alive socket trips node-fetch 2's chunked-response check into a
 * false "Premature close" (node-fetch issue 1767). A request is never queued inside the agent, and
 * its socket is free again by the time the next one starts.
 */
export function limitedHttpLibrary(timeoutMs: number): HttpLibrary {
  const inner = new IsomorphicFetchHttpLibrary();
  const limit = pLimit(MAX_REQUESTS_PER_CLUSTER);
  const breaker = new SilenceBreaker(timeoutMs);
  return wrapHttpLibrary({
    send: (request: RequestContext): Promise<ResponseContext> =>
      limit(async () => {
        const refused = breaker.admit(request);
        if (refused) {
          // Its deadline listens on the caller's signal (a daemon's lives for days): end it here too.
          endDeadline(request);
          throw refused;
        }
        const abort = whenAborted(request.getSignal());
        try {
          // Raced against the request's own signal: a request whose socket never settles after an
          // abort (a TLS handshake to a host that accepts and never answers) still frees its slot
          // when its time is up, so the requests queued behind it are not stuck forever.
          const response = await Promise.race([inner.send(request).toPromise(), abort.promise]);
          const body = await Promise.race([response.body.binary(), abort.promise]);
          breaker.answered();
          return new ResponseContext(response.httpStatusCode, response.headers, { text: () => Promise.resolve(body.toString('utf8')), binary: () => Promise.resolve(body) });
        } catch (err) {
          const named = abortedRequestError(request, timeoutMs, err);
          breaker.failed(named, describeRequest(request));
          throw named;
        } finally {
          abort.dispose();
          endDeadline(request);
        }
      }),
  });
}

/** After a request to a cluster ran out of time, others fail at once for this long; then one is tried. */
export const FAIL_FAST_MS = 2000;

/**
 * A cluster that stopped answering costs one timeout, not one per request: once a request ran out
 * of time, requests fail at once (MESHD_ERR_TIMEOUT, "not sent") for FAIL_FAST_MS; after that one
 * request at a time is tried, and the first answer of any kind ends it. Without it, a pass against a
 * hung API server (a black hole: connections accepted, never answered) waited for a full timeout at
 * every step (facts, registry, discovery, each wave of writes): 43 s for one remote. Per client.
 */
class SilenceBreaker {
  private silent: { what: string; at: number } | undefined;
  private trialInFlight = false;

  constructor(private readonly timeoutMs: number) {}

  /** Undefined when `request` may be sent (maybe as the trial), else the error to fail it with. */
  admit(request: RequestContext): MeshdError | undefined {
    if (!this.silent) return undefined;
    if (!this.trialInFlight && Date.now() - this.silent.at >= FAIL_FAST_MS) {
      this.trialInFlight = true;
      return undefined;
    }
    const what = describeRequest(request);
    return new MeshdError('MESHD_ERR_TIMEOUT', `${what} not sent: ${this.silent.what} timed out after ${spokenDuration(this.timeoutMs)} and nothing has answered since`);
  }

  /** Any answer (even an error status) shows the cluster is there. */
  answered(): void {
    this.silent = undefined;
    this.trialInFlight = false;
  }

  /** A request failed: a timeout (re)starts the fail-fast window; other failures end a trial. */
  failed(err: unknown, what: string): void {
    this.trialInFlight = false;
    if (err instanceof MeshdError && err.code === 'MESHD_ERR_TIMEOUT') this.silent = { what, at: Date.now() };
  }
}

function describeRequest(request: RequestContext): string {
  return `${request.getHttpMethod()} ${pathOf(request.getUrl())}`;
}

/** A promise that rejects when `signal` aborts (never settles otherwise), and its clean-up. */
function whenAborted(signal: AbortSignal | undefined): { promise: Promise<never>; dispose(): void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
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
 * node-fetch says "The user aborted a request." for every abort: name what happened instead. A
 * request that ran out of time is MESHD_ERR_TIMEOUT ("GET /version timed out after 10 s"), one
 * aborted by meshd (shutdown, lost lease) carries that reason; other errors pass unchanged.
 */
function abortedRequestError(request: RequestContext, timeoutMs: number, err: unknown): unknown {
  const signal = request.getSignal();
  if (!signal?.aborted) return err;
  const reason: unknown = signal.reason;
  const what = describeRequest(request);
  if (reason instanceof Error && reason.name === 'TimeoutError') return new MeshdError('MESHD_ERR_TIMEOUT', `${what} timed out after ${spokenDuration(timeoutMs)}`, { cause: err });
  const why = reason instanceof Error ? reason.message : String(reason);
  return new Error(`${what} aborted: ${why}`, { cause: err });
}

/** The path of a request URL, never its user info or query (which may carry credentials). */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '(request)';
  }
}
