import type { ErrorCode, RetryClass } from '../errors.js';
import type { PassReport } from './types.js';

/** One error a pass report holds, as the daemon counts it: its catalogue code and retry class, and where. */
export interface ReportedError {
  code: ErrorCode;
  /** `terminal`: parked until the input changes; `backoff`: retried by the queue. */
  retry: RetryClass;
  /** Where it was met: a cluster name, `cluster/component`, `registry`, or `mesh`. */
  where: string;
}

/**
 * Every error of a pass report with its code and retry class, mesh-wide first, then cluster by
 * cluster, then the registry: what the daemon counts in `meshd_errors_total{code,retry}`. Pure.
 */
export function reportedErrors(report: PassReport): ReportedError[] {
  const errors: ReportedError[] = report.errors.map((e) => ({ code: e.code, retry: e.retry, where: 'mesh' }));
  for (const cluster of report.clusters) {
    if (cluster.lastError !== undefined) errors.push({ code: cluster.lastError.code, retry: cluster.lastError.retry, where: cluster.name });
    for (const c of cluster.components)
      if (c.error !== undefined) errors.push({ code: c.error.code, retry: c.error.retry, where: `${cluster.name}/${c.component}` });
  }
  if (report.registry?.error !== undefined) errors.push({ code: report.registry.error.code, retry: report.registry.error.retry, where: 'registry' });
  return errors;
}
