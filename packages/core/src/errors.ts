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
  MESHD_ERR_HELM: 'helm did not finish (timed out or was aborted)',
  MESHD_ERR_HELM_UNUSABLE: 'the helm binary cannot be run (missing, not executable) or is not a version meshd can drive: install one or fix helm.binary',
  MESHD_ERR_CHART_RENDER:
    'the chart does not render with these values (helm template exits with an error, or renders something that is not Kubernetes objects): fix the chart or values',
  MESHD_ERR_TILLER: 'Tiller failed',
  MESHD_ERR_DISCOVERY: 'control-plane endpoints could not be discovered',
  MESHD_ERR_APPLY: 'a write to a cluster failed',
  MESHD_ERR_NOT_ATTEMPTED: 'a write was not attempted: an object it needs failed (it is retried with that object)',
  MESHD_ERR_UNSERVED_API:
    "an object's apiVersion/kind is not served by the cluster (removed from Kubernetes): convert it (compat.convertRemovedApis) or use a chart made for this Kubernetes version",
  MESHD_ERR_INVALID_OBJECT: 'the API server rejected an object as invalid (HTTP 422): fix the chart or values',
  MESHD_ERR_PLUGIN: 'a plugin is invalid',
  MESHD_ERR_STATE: "meshd's state directory on the bastion is damaged or unusable",
  MESHD_ERR_INVENTORY_TAMPERED:
    "a release inventory in a cluster fails authentication (edited, replaced or written without this bastion's key): it is ignored and rebuilt from the journal",
  MESHD_ERR_REMOVAL_HELD: 'a cluster removal is held by the deletion budget (removals.maxPerPass)',
  MESHD_ERR_RELEASE_LOCKED: 'another writer holds the release (its pending inventory): nothing written, retried until the hold clears or lapses',
  MESHD_ERR_VERIFY:
    'meshd verify found the live mesh differs from what it must be (stale endpoints, a credential that fails, another root certificate, Pilot without its multicluster flags, overlapping CIDRs, a remote istiod has not synced)',
  MESHD_ERR_CREDENTIAL: "a Pilot reader credential could not be minted, rotated or revoked on a cluster (or the cluster's answer was malformed)",
  MESHD_ERR_INTERNAL: 'meshd broke (a bug, or an error meshd did not expect): reported as state "error", not "failed"',
} as const;

/** A code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Who retries what, decided by the code alone (never per throw site): `backoff` errors are retried
 * by the reconcile queue with backoff (the cause may go away: a network, a credential rotated, a
 * pod); `terminal` ones come from input that fails the same way every time (a chart that does not
 * render, an object the API server rejects) and are reported and parked until the input changes
 * (rule 10). A 401 is `backoff` (the credential may be renewed) but reported as the cluster state
 * `unauthorized`, not `unreachable`.
 */
export type RetryClass = 'backoff' | 'terminal';

/** The retry class of every code (see RetryClass). */
export const ERROR_RETRY: Record<ErrorCode, RetryClass> = {
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
  MESHD_ERR_HELM_UNUSABLE: 'terminal',
  MESHD_ERR_CHART_RENDER: 'terminal',
  MESHD_ERR_TILLER: 'backoff',
  MESHD_ERR_DISCOVERY: 'backoff',
  MESHD_ERR_APPLY: 'backoff',
  MESHD_ERR_NOT_ATTEMPTED: 'terminal',
  MESHD_ERR_UNSERVED_API: 'terminal',
  MESHD_ERR_INVALID_OBJECT: 'terminal',
  MESHD_ERR_PLUGIN: 'backoff',
  MESHD_ERR_STATE: 'terminal',
  MESHD_ERR_REMOVAL_HELD: 'terminal',
  MESHD_ERR_RELEASE_LOCKED: 'backoff',
  MESHD_ERR_INVENTORY_TAMPERED: 'backoff',
  MESHD_ERR_VERIFY: 'backoff',
  MESHD_ERR_CREDENTIAL: 'backoff',
  MESHD_ERR_INTERNAL: 'backoff',
};

/**
 * An error as every report, /status and `--json` output carries it: the catalogue code to search
 * for, the text, and the code's retry class (whether the daemon retries it or parks it). An error
 * meshd did not expect (no code) is MESHD_ERR_INTERNAL: a meshd bug, retried with backoff.
 */
export interface ReportError {
  code: ErrorCode;
  message: string;
  retry: RetryClass;
}

/**
 * An error with a catalogue code; whether it is retried follows from the code (ERROR_RETRY), not
 * from the thrower.
 */
export class MeshdError extends Error {
  readonly code: ErrorCode;
  /** Write requests made before the failure (an executor that failed halfway still reports honestly). */
  readonly writes: number;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; writes?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MeshdError';
    this.code = code;
    this.writes = options.writes ?? 0;
  }

  /** The code's retry class. */
  get retry(): RetryClass {
    return ERROR_RETRY[this.code];
  }

  /** True when the code is terminal: the queue parks the key until its input changes. */
  get terminal(): boolean {
    return this.retry === 'terminal';
  }
}

/** A report error for `code` (its retry class from the catalogue). Pure. */
export function reportError(code: ErrorCode, message: string): ReportError {
  return { code, message, retry: ERROR_RETRY[code] };
}

/** `error` with `prefix` before its message (where it was met). Pure. */
export function prefixed(prefix: string, error: ReportError): ReportError {
  return { ...error, message: `${prefix}${error.message}` };
}

/** The state of a cluster or component that met `error`: `error` for a meshd bug (MESHD_ERR_INTERNAL), else `failed`. Pure. */
export function failureState(error: ReportError): 'failed' | 'error' {
  return error.code === 'MESHD_ERR_INTERNAL' ? 'error' : 'failed';
}

/** Any thrown value as a report error: a MeshdError keeps its code, anything else is MESHD_ERR_INTERNAL. Pure. */
export function reportErrorOf(err: unknown): ReportError {
  if (err instanceof MeshdError) return reportError(err.code, err.message);
  return reportError('MESHD_ERR_INTERNAL', err instanceof Error ? err.message : String(err));
}

/**
 * Several errors met in one place as one: the messages joined, terminal only when every one is
 * (one that may fix itself keeps the place retried), and the code of the first error whose class
 * is the combined one (so the code always tells the queue what the report does). Undefined for
 * none. Pure.
 */
export function combineErrors(errors: readonly ReportError[], prefix: (e: ReportError, i: number) => string = () => ''): ReportError | undefined {
  const first = errors[0];
  if (first === undefined) return undefined;
  const retry: RetryClass = errors.every((e) => e.retry === 'terminal') ? 'terminal' : 'backoff';
  const code = (errors.find((e) => e.retry === retry) ?? first).code;
  return { code, message: errors.map((e, i) => `${prefix(e, i)}${e.message}`).join('; '), retry };
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
