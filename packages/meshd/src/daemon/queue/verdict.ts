import { combineErrors, prefixed, reportError } from '@meshd/core';
import type { ClusterReport, PassReport, ReportError } from '@meshd/core';
import { REGISTRY_KEY } from './keys.js';

/** What a key's reconcile tells the queue after its pass (the queue alone acts on it). */
export interface PassVerdict {
  /**
   * Set when the key itself failed, with the code and retry class the report gave it (never
   * guessed): `backoff` is retried by the queue, `terminal` is parked until the input changes
   * (rule 10: an invalid directory, an unserved API, a chart that does not render). Several
   * problems are one error, terminal only when each one is.
   */
  error?: ReportError;
  /**
   * The key's own cluster is unreachable and nothing else failed: retrying on a backoff would only
   * send more requests into a dead link (each hangs until its timeout). Its watches probe it and
   * enqueue it as soon as it answers; the key is only re-run as a slow safety net.
   */
  awaitReachable?: boolean;
  /**
   * The key's cluster is gone: its removal completed (or it was renamed), or the mesh no longer
   * knows it at all. The queue stops tracking the key.
   */
  forget?: boolean;
}

const FAILED_STATES = new Set(['failed', 'error', 'unreachable', 'unauthorized', 'blocked']);

function failed(c: ClusterReport): boolean {
  return FAILED_STATES.has(c.state) || (c.lastError !== undefined && c.state !== 'kept' && c.state !== 'held');
}

/** A failed cluster's error named after it (a report always gives one; its state stands in otherwise). */
function why(c: ClusterReport): ReportError {
  return prefixed(`${c.name}: `, c.lastError ?? reportError(c.state === 'unreachable' ? 'MESHD_ERR_UNREACHABLE' : 'MESHD_ERR_INTERNAL', c.state));
}

/**
 * Judges a pass report for the key that ran it (level-based: only the report matters). Mesh-wide
 * problems (no control plane, control plane or registry unreachable, discovery failed, a credential
 * the registry key could not mint) fail the key. A cluster key also fails when its own cluster
 * failed. Whether the key is retried or parked is the errors' retry class, read from the report. Pure.
 */
export function judgePass(key: string, report: PassReport): PassVerdict {
  const problems = meshProblems(report);
  const verdict: PassVerdict = {};
  if (key !== REGISTRY_KEY) {
    const own = report.clusters.find((c) => c.name === key && c.role === 'remote');
    if (own && failed(own)) judgeOwnCluster(verdict, problems, own);
    if (report.mesh !== undefined && (own === undefined || own.state === 'removed' || own.state === 'renamed')) verdict.forget = true;
  }
  const error = combineErrors(distinctByMessage(problems));
  if (error !== undefined) verdict.error = error;
  return verdict;
}

/** The mesh-wide problems of a pass: its own errors, a failed control plane, an unreachable registry. */
function meshProblems(report: PassReport): ReportError[] {
  const controlPlane = report.clusters.find((c) => c.role === 'control-plane');
  const problems = [...report.errors];
  if (controlPlane && failed(controlPlane)) problems.push(why(controlPlane));
  if (report.registry?.error !== undefined) problems.push(prefixed('registry: ', report.registry.error));
  return problems;
}

/**
 * A cluster key whose own cluster failed: its error joins `problems`; when the cluster is only
 * unreachable and nothing else failed, the key awaits it instead of backing off.
 */
function judgeOwnCluster(verdict: PassVerdict, problems: ReportError[], own: ClusterReport): void {
  if (problems.length === 0 && own.state === 'unreachable') verdict.awaitReachable = true;
  problems.push(why(own));
}

/** The problems without repeats of a message already seen (first one kept, order kept). */
function distinctByMessage(problems: readonly ReportError[]): ReportError[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.message) && seen.add(p.message));
}
