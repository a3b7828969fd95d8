import { ERROR_RETRY } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { PassReport } from './types.js';

/** One error a pass report holds, as data: its catalogue code (or `unknown`) and retry class. */
export interface ReportedError {
  code: ErrorCode | 'unknown';
  /** `terminal`: parked until the input changes; `backoff`: retried by the queue. */
  retry: 'backoff' | 'terminal';
  /** Where it was met: a cluster name, `cluster/component`, or `registry`. */
  where: string;
}

function reported(where: string, code: ErrorCode | undefined, terminal: boolean | undefined): ReportedError {
  const retry = terminal === true ? 'terminal' : code === undefined ? 'backoff' : ERROR_RETRY[code];
  return { code: code ?? 'unknown', retry: terminal === false ? 'backoff' : retry, where };
}

/**
 * Every error of a pass report with its code and retry class, cluster by cluster then the
 * registry: what the daemon counts in `meshd_errors_total{code,retry}`. An error met without a
 * catalogue code is `unknown`. Pure.
 */
export function reportedErrors(report: PassReport): ReportedError[] {
  const errors: ReportedError[] = [];
  for (const cluster of report.clusters) {
    if (cluster.lastError !== undefined) errors.push(reported(cluster.name, cluster.lastErrorCode, cluster.terminal));
    for (const c of cluster.components) if (c.error !== undefined) errors.push(reported(`${cluster.name}/${c.component}`, c.errorCode, c.terminal));
  }
  if (report.registry?.error !== undefined) errors.push(reported('registry', report.registry.errorCode, report.registry.terminal));
  return errors;
}
