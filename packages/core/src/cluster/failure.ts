import { MeshdError, type ErrorCode } from '../errors.js';

/**
 * What went wrong talking to a cluster, said the way an operator reads it, with its catalogue code
 * and the cluster state it means: `unreachable` is the network (refused, reset, timed out, 5xx),
 * `unauthorized` is meshd's credentials (a 401, a failing exec plugin), `error` anything else.
 * Plain data; the reconcile queue retries every one of them with backoff (ERROR_RETRY).
 */
export interface ClusterFailure {
  code: ErrorCode;
  state: 'unreachable' | 'unauthorized' | 'failed';
  /** One line, no headers, no credentials: "unreachable: GET /version timed out after 10 s", "401 Unauthorized". */
  message: string;
}

/** "10 s", "1.5 s", "250 ms". Pure. */
export function spokenDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** The first non-empty line of a text, at most 300 characters. Pure. */
export function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.length > 0) ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** The `message` of a Kubernetes Status body, if the body is one. Pure. */
function statusMessage(body: unknown): string | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.length > 0 ? firstLine(message) : undefined;
}

/**
 * An HTTP error answer as one line: "401 Unauthorized", "403 Forbidden: <Status message>",
 * "HTTP 503: <Status message>" (never client-node's HTTP-Code/Headers dump). Pure.
 */
export function describeHttpError(status: number, body: unknown): string {
  const message = statusMessage(body) ?? (typeof body === 'string' && body.length > 0 ? firstLine(body).slice(0, 200) : undefined);
  if (status === 401) return '401 Unauthorized';
  if (status === 403) return `403 Forbidden${message ? `: ${message}` : ''}`;
  return `HTTP ${status}${message ? `: ${message}` : ''}`;
}

/**
 * An HTTP error answer from an API server: its status and body (text, at most the request layer's
 * cap). The message is one line (describeHttpError), never headers. meshd's request layer
 * (cluster/http.ts) throws it where @kubernetes/client-node threw its ApiException.
 */
export class KubeApiError extends Error {
  constructor(
    /** The HTTP status. */
    readonly code: number,
    /** The answer's body, as text. */
    readonly body: string,
    /** What was being done, put before the status: "Failed to fetch resource metadata for v1". */
    context?: string,
  ) {
    super(context === undefined ? describeHttpError(code, body) : `${context}: ${describeHttpError(code, body)}`);
    this.name = 'KubeApiError';
  }
}

/**
 * The HTTP status of an error answer: meshd's KubeApiError, or anything shaped like
 * @kubernetes/client-node's ApiException (tests and tools still use client-node; checked by shape
 * so that this module never loads it). Undefined for every other error. Pure.
 */
export function apiStatusOf(err: unknown): number | undefined {
  if (err instanceof KubeApiError) return err.code;
  const e = err as { code?: unknown; body?: unknown; headers?: unknown } | null;
  if (err instanceof Error && typeof e?.code === 'number' && 'body' in err && 'headers' in err) return e.code;
  return undefined;
}

/** A MeshdError's failure: timeouts and unreachable hosts, credential errors, or failed. */
function meshdErrorFailure(err: MeshdError): ClusterFailure {
  if (err.code === 'MESHD_ERR_TIMEOUT' || err.code === 'MESHD_ERR_UNREACHABLE')
    return { code: err.code, state: 'unreachable', message: `unreachable: ${err.message}` };
  if (err.code === 'MESHD_ERR_EXEC_PLUGIN' || err.code === 'MESHD_ERR_UNAUTHORIZED') return { code: err.code, state: 'unauthorized', message: err.message };
  return { code: err.code, state: 'failed', message: err.message };
}

/** An HTTP error answer's failure by status: 401, 403, a 5xx but 501 (unreachable), or any other. */
function apiExceptionFailure(status: number, body: unknown): ClusterFailure {
  const message = describeHttpError(status, body);
  if (status === 401) return { code: 'MESHD_ERR_UNAUTHORIZED', state: 'unauthorized', message };
  if (status === 403) return { code: 'MESHD_ERR_FORBIDDEN', state: 'failed', message };
  if (status >= 500 && status !== 501) return { code: 'MESHD_ERR_UNREACHABLE', state: 'unreachable', message: `unreachable: ${message}` };
  return { code: 'MESHD_ERR_API', state: 'failed', message };
}

/** Classifies an error from a request to a cluster (client-node or meshd's own wrappers). Pure. */
export function clusterFailureOf(err: unknown): ClusterFailure {
  if (err instanceof MeshdError) return meshdErrorFailure(err);
  const status = apiStatusOf(err);
  if (status !== undefined) return apiExceptionFailure(status, (err as { body?: unknown }).body);
  const text = err instanceof Error ? err.message : String(err);
  return { code: 'MESHD_ERR_UNREACHABLE', state: 'unreachable', message: `unreachable: ${firstLine(text)}` };
}

/** What credentialFailure reads of a kubeconfig: its current user (meshd's KubeconfigView or client-node's KubeConfig). */
export interface CredentialSource {
  getCurrentUser(): { exec?: unknown; authProvider?: unknown } | null;
}

/** True when the kubeconfig's current user gets its credential from an exec plugin. */
function usesExecPlugin(kc: CredentialSource): boolean {
  const user = kc.getCurrentUser();
  return user?.exec !== undefined || (user?.authProvider as { config?: { exec?: unknown } } | undefined)?.config?.exec !== undefined;
}

/**
 * The error of a kubeconfig's credentials that could not be applied to a request: a failing exec
 * plugin ("exec plugin failed: <first line of its stderr or message>") or another credential
 * source that broke (a token file gone). Both are MESHD_ERR_EXEC_PLUGIN/UNAUTHORIZED, never
 * "unreachable": the network was never tried.
 */
export function credentialFailure(kc: CredentialSource, err: unknown): MeshdError {
  const text = firstLine(err instanceof Error ? err.message : String(err)) || 'no message';
  if (usesExecPlugin(kc)) return new MeshdError('MESHD_ERR_EXEC_PLUGIN', `exec plugin failed: ${text}`, { cause: err });
  return new MeshdError('MESHD_ERR_UNAUTHORIZED', `credentials cannot be used: ${text}`, { cause: err });
}
