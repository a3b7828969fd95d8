import type { ClusterReport, ErrorCode, PassReport } from '@meshd/core';
import { FULL_KEY, REGISTRY_KEY } from './keys.js';

/** What the daemon does after a pass: retry the key, retry single clusters, forget removed ones. */
export interface PassVerdict {
  /** Set when the key itself failed (its error): retried with backoff unless `terminal`. */
  error?: string;
  /**
   * Retrying cannot help until the input changes: the directory is invalid and gave nothing to act
   * on, or the key's cluster failed only in ways that cannot fix themselves (unserved API, invalid
   * object, a chart that does not render: rule 10).
   */
  terminal?: boolean;
  /** The catalogue code of a terminal error. */
  code?: ErrorCode;
  /** Clusters of this pass whose failures are parked (terminal): not handed to their own keys. */
  parked?: string[];
  /** Clusters of a full pass that failed: each is retried on its own key, with its own backoff. */
  retryClusters: string[];
  /** Clusters that left the mesh in this pass: their keys are no longer tracked. */
  removed: string[];
  /**
   * The key's own cluster is unreachable and nothing else failed: retrying on a backoff would only
   * send more requests into a dead link (each hangs until its timeout). Its watches probe it and
   * enqueue it as soon as it answers; the key is only re-run as a slow safety net.
   */
  awaitReachable?: boolean;
}

const FAILED_STATES = new Set(['error', 'unreachable', 'unauthorized', 'blocked']);

function failed(c: ClusterReport): boolean {
  return FAILED_STATES.has(c.state) || (c.lastError !== undefined && c.state !== 'kept' && c.state !== 'held');
}

function why(c: ClusterReport): string {
  return `${c.name}: ${c.lastError ?? c.state}`;
}

/** A single-cluster key: its cluster's failure is the key's; parked (terminal) when nothing mesh-wide failed too. */
function judgeOwnCluster(own: ClusterReport | undefined, problems: string[], verdict: PassVerdict): void {
  if (own === undefined) return;
  const meshWide = problems.length;
  problems.push(why(own));
  if (meshWide === 0 && own.state === 'unreachable') verdict.awaitReachable = true;
  if (meshWide > 0 || own.terminal !== true) return;
  verdict.terminal = true;
  if (own.lastErrorCode !== undefined) verdict.code = own.lastErrorCode;
}

/**
 * Judges a pass report for the key that ran it (level-based: only the report matters). Mesh-wide
 * problems (no control plane, control plane or registry unreachable, discovery failed) fail the key.
 * A single-cluster key fails when its cluster failed; a full pass hands failed clusters to their own
 * keys instead, so one unreachable cluster does not hold the others back (rule 3). An invalid
 * directory is not an error to retry: nothing changes until a file does (no control plane at all is
 * terminal; a broken file only shows in the report). Pure.
 */
export function judgePass(key: string, report: PassReport): PassVerdict {
  const removed = report.clusters.filter((c) => c.state === 'removed' || c.state === 'renamed').map((c) => c.name);
  const controlPlane = report.clusters.find((c) => c.role === 'control-plane');
  const problems = [...report.errors];
  if (controlPlane && failed(controlPlane)) problems.push(why(controlPlane));
  if (report.registry?.error !== undefined) problems.push(`registry: ${report.registry.error}`);
  const remotes = report.clusters.filter((c) => c.role === 'remote' && failed(c));
  const parked = remotes.filter((c) => c.terminal === true);
  const verdict: PassVerdict = { retryClusters: [], removed };
  if (parked.length > 0) verdict.parked = parked.map((c) => c.name);
  if (key === FULL_KEY) verdict.retryClusters = remotes.filter((c) => c.terminal !== true).map((c) => c.name);
  else if (key !== REGISTRY_KEY) judgeOwnCluster(remotes.find((c) => c.name === key), problems, verdict);
  if (problems.length > 0) verdict.error = [...new Set(problems)].join('; ');
  if (verdict.error !== undefined && !report.directoryValid && report.clusters.length === 0) {
    verdict.terminal = true;
    verdict.code = 'MESHD_ERR_INVALID_DIRECTORY';
  }
  return verdict;
}
