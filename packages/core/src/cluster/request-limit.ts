import { MeshdError } from '../errors.js';
import { spokenDuration } from './failure.js';

/**
 * Requests to one cluster in flight at once; more wait here. Each new connection costs a TLS
 * handshake (measured: 500 clusters converge in 17 s with 16, 11 s with 4, 10 s with 2), and a few
 * in parallel still hide a distant API server's round trips.
 */
export const MAX_REQUESTS_PER_CLUSTER = 4;

/** After a request to a cluster ran out of time, others fail at once for this long; then one is tried. */
export const FAIL_FAST_MS = 2000;

/**
 * A cluster that stopped answering costs one timeout, not one per request: once a request ran out
 * of time, requests fail at once (MESHD_ERR_TIMEOUT, "not sent") for FAIL_FAST_MS; after that one
 * request at a time is tried, and the first answer of any kind ends it. Without it, a pass against a
 * hung API server (a black hole: connections accepted, never answered) waited for a full timeout at
 * every step (facts, registry, discovery, each wave of writes): 43 s for one remote. Per client.
 * `what` names a request: "GET /version".
 */
export class SilenceBreaker {
  private silent: { what: string; at: number } | undefined;
  private trialInFlight = false;

  constructor(private readonly timeoutMs: number) {}

  /** Undefined when `request` may be sent (maybe as the trial), else the error to fail it with. */
  admit(what: string): MeshdError | undefined {
    if (!this.silent) return undefined;
    if (!this.trialInFlight && Date.now() - this.silent.at >= FAIL_FAST_MS) {
      this.trialInFlight = true;
      return undefined;
    }
    return new MeshdError(
      'MESHD_ERR_TIMEOUT',
      `${what} not sent: ${this.silent.what} timed out after ${spokenDuration(this.timeoutMs)} and nothing has answered since`,
    );
  }

  /** Any answer (even an error status) shows the cluster is there. */
  answered(): void {
    this.silent = undefined;
    this.trialInFlight = false;
  }

  /** A request its caller gave up on (a shorter deadline, a cancellation): ends a trial, says nothing of the cluster. */
  abandoned(): void {
    this.trialInFlight = false;
  }

  /** A request failed: a timeout (re)starts the fail-fast window; other failures end a trial. */
  failed(err: unknown, what: string): void {
    this.trialInFlight = false;
    if (err instanceof MeshdError && err.code === 'MESHD_ERR_TIMEOUT') this.silent = { what, at: Date.now() };
  }
}
