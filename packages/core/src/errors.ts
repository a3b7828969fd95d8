/**
 * The one catalogue of meshd error codes. Every error meshd reports to a user (CLI, /status, logs)
 * carries one of these codes, so operators can search for it and tests can assert on it.
 * Add new codes here; never build ad-hoc error classes elsewhere.
 */
export const ERROR_CODES = {
  MESHD_ERR_INVALID_DESCRIPTOR: 'cluster descriptor is invalid',
  MESHD_ERR_INVALID_DIRECTORY: 'the cluster directory is invalid as a whole',
  MESHD_ERR_INVALID_CONFIG: 'the meshd configuration is invalid',
  MESHD_ERR_INVALID_KUBECONFIG: 'a kubeconfig is invalid',
  MESHD_ERR_UNREACHABLE: 'a cluster cannot be reached (the network: refused, reset, 5xx)',
  MESHD_ERR_TIMEOUT: 'a request to a cluster timed out',
  MESHD_ERR_UNAUTHORIZED: "a cluster's API server rejected meshd's credentials (401)",
  MESHD_ERR_FORBIDDEN: "a cluster's API server does not allow meshd's user a request (403)",
  MESHD_ERR_EXEC_PLUGIN: "a kubeconfig's exec credential plugin failed",
  MESHD_ERR_API: 'a cluster answered a request with an error',
  MESHD_ERR_PREREQUISITE: 'a cluster fails a prerequisite',
  MESHD_ERR_NOT_OWNED: 'an object exists that meshd does not own',
  MESHD_ERR_HELM: 'the helm binary failed',
  MESHD_ERR_TILLER: 'Tiller failed',
  MESHD_ERR_DISCOVERY: 'control-plane endpoints could not be discovered',
  MESHD_ERR_APPLY: 'a write to a cluster failed',
  MESHD_ERR_UNSERVED_API: "an object's apiVersion/kind is not served by the cluster (removed from Kubernetes): convert it (compat.convertRemovedApis) or use a chart made for this Kubernetes version",
  MESHD_ERR_INVALID_OBJECT: 'the API server rejected an object as invalid (HTTP 422): fix the chart or values',
  MESHD_ERR_PLUGIN: 'a plugin is invalid',
  MESHD_ERR_STATE: "meshd's state directory on the bastion is damaged or unusable",
  MESHD_ERR_INVENTORY_TAMPERED: "a release inventory in a cluster fails authentication (edited, replaced or written without this bastion's key): it is ignored and rebuilt from the journal",
  MESHD_ERR_REMOVAL_HELD: 'a cluster removal is held by the deletion budget (removals.maxPerPass)',
  MESHD_ERR_VERIFY: 'meshd verify found the live mesh differs from what it must be (stale endpoints, a credential that fails, another root certificate, Pilot without its multicluster flags, overlapping CIDRs, a remote istiod has not synced)',
  MESHD_ERR_CREDENTIAL: "a Pilot reader credential could not be minted, rotated or revoked on a cluster (or the cluster's answer was malformed)",
  MESHD_ERR_INTERNAL: 'meshd broke (a bug)',
} as const;

/** A code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Who retries what: `backoff` errors are retried by the reconcile queue with backoff (the cause may
 * go away: a network, a credential rotated, a pod); `terminal` ones come from invalid input and are
 * reported and parked until the input changes. A 401 is `backoff` (the credential may be renewed)
 * but reported as the cluster state `unauthorized`, not `unreachable`.
 */
export const ERROR_RETRY: Record<ErrorCode, 'backoff' | 'terminal'> = {
  MESHD_ERR_INVALID_DESCRIPTOR: 'terminal',
  MESHD_ERR_INVALID_DIRECTORY: 'terminal',
  MESHD_ERR_INVALID_CONFIG: 'terminal',
  MESHD_ERR_INVALID_KUBECONFIG: 'terminal',
  MESHD_ERR_UNREACHABLE: 'backoff',
  MESHD_ERR_TIMEOUT: 'backoff',
  MESHD_ERR_UNAUTHORIZED: 'backoff',
  MESHD_ERR_FORBIDDEN: 'backoff',
  MESHD_ERR_EXEC_PLUGIN: 'backoff',
  MESHD_ERR_API: 'backoff',
  MESHD_ERR_PREREQUISITE: 'backoff',
  MESHD_ERR_NOT_OWNED: 'terminal',
  MESHD_ERR_HELM: 'backoff',
  MESHD_ERR_TILLER: 'backoff',
  MESHD_ERR_DISCOVERY: 'backoff',
  MESHD_ERR_APPLY: 'backoff',
  MESHD_ERR_UNSERVED_API: 'terminal',
  MESHD_ERR_INVALID_OBJECT: 'terminal',
  MESHD_ERR_PLUGIN: 'backoff',
  MESHD_ERR_STATE: 'terminal',
  MESHD_ERR_REMOVAL_HELD: 'terminal',
  MESHD_ERR_INVENTORY_TAMPERED: 'backoff',
  MESHD_ERR_VERIFY: 'backoff',
  MESHD_ERR_CREDENTIAL: 'backoff',
  MESHD_ERR_INTERNAL: 'backoff',
};

/**
 * An error with a catalogue code. `terminal` errors come from invalid input: the reconcile loop
 * reports them and does not retry until the input changes; other errors are retried with backoff.
 * `terminal` defaults to the code's ERROR_RETRY class; a thrower that knows better says so (a
 * chart that does not render is a terminal MESHD_ERR_HELM).
 */
export class MeshdError extends Error {
  readonly code: ErrorCode;
  readonly terminal: boolean;
  /** Write requests made before the failure (an executor that failed halfway still reports honestly). */
  readonly writes: number;

  constructor(code: ErrorCode, message: string, options: { terminal?: boolean; cause?: unknown; writes?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshdError';
    this.code = code;
    this.terminal = options.terminal ?? ERROR_RETRY[code] === 'terminal';
    this.writes = options.writes ?? 0;
  }
}

/** The code and terminal flag of any error (an uncoded error is retried: not terminal, no code). */
export function errorCodeOf(err: unknown): { code?: ErrorCode; terminal: boolean } {
  return err instanceof MeshdError ? { code: err.code, terminal: err.terminal } : { terminal: false };
}

/** Write requests an error says were made before it (0 for errors that do not say). */
export function writesBefore(err: unknown): number {
  return err instanceof MeshdError ? err.writes : 0;
}

/** True when `err` is a MeshdError with the given code. */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof MeshdError && err.code === code;
}
