import type { Logger, PassReport, ReportError } from '@meshd/core';
import type { ReconcileResultLabel } from './metrics.js';
import type { ReconcileRecord } from '../queue/queue.js';
import type { LastReconcile } from './status-state.js';

const RESULT_LABEL: Record<ReconcileRecord['outcome'], ReconcileResultLabel | undefined> = {
  success: undefined,
  requeue: undefined,
  error: 'error',
  terminal: 'terminal',
  aborted: 'aborted',
};

/** A finished reconcile's result label (metrics, logs): its outcome, or for a success whether its pass converged. Pure. */
export function resultLabelOf(record: ReconcileRecord<PassReport>): ReconcileResultLabel {
  return RESULT_LABEL[record.outcome] ?? (record.report?.converged === true ? 'converged' : 'not_converged');
}

/** The last reconcile as /status shows it. Pure. */
export function lastReconcileOf(record: ReconcileRecord<PassReport>, error: ReportError | undefined): LastReconcile {
  const last: LastReconcile = { key: record.key, at: record.startedAt + record.durationMs, durationMs: record.durationMs, outcome: record.outcome };
  const converged = record.report?.converged;
  if (converged !== undefined) last.converged = converged;
  if (error !== undefined) last.error = error;
  return last;
}

/** Logs how a reconcile ended: a retried error as a warning, a terminal one as an error, the rest as info. */
export function logReconcile(logger: Logger, record: ReconcileRecord<PassReport>, label: ReconcileResultLabel, error: ReportError | undefined): void {
  const log = { key: record.key, result: label, durationMs: record.durationMs, writes: record.report?.writes ?? 0 };
  if (record.outcome === 'error')
    logger.warn({ ...log, err: error?.message, code: error?.code, failures: record.failures }, 'reconcile failed; retrying with backoff');
  else if (record.outcome === 'terminal')
    logger.error({ ...log, err: error?.message, code: error?.code }, 'reconcile failed on invalid input; waiting for it to change');
  else logger.info(log, 'reconciled');
}
