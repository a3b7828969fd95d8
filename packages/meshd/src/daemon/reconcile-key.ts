import { MeshdError } from '@meshd/core';
import { readDirectorySnapshot } from '@meshd/core/descriptor';
import type { DesiredMesh } from '@meshd/core/descriptor';
import type { HelmProbe } from '@meshd/core/prereq';
import type { LoadedPlugin, Logger, MeshdConfig, PassOptions, PassReport } from '@meshd/core';
import type { StateStore } from '@meshd/core/state';
import { FULL_KEY, scopeOfKey } from './keys.js';
import type { ReconcileResult, Reconciler } from './queue.js';
import { addSnapshotCredentials, type Redactor } from '../output/redact.js';
import type { RunLock } from './run-lock.js';
import { judgePass, type PassVerdict } from './verdict.js';

/** What a key's reconcile reads and reports to; the daemon owns all of it. */
export interface KeyReconcilerDeps {
  config(): MeshdConfig;
  plugins(): readonly LoadedPlugin[];
  /** The helm version probe for the prerequisite check (cached by the daemon per config). */
  helm(): Promise<HelmProbe | undefined>;
  runPass(options: PassOptions): Promise<PassReport>;
  logger: Logger;
  redactor: Redactor;
  lock: RunLock;
  /** The daemon's last good mesh, read before and replaced after each pass. */
  lastGood: { mesh?: DesiredMesh };
  /** meshd's memory on the bastion (undefined: none configured). */
  state(): StateStore | undefined;
  /** False on a standby (leader election): the reconcile does nothing. */
  isActive(): boolean;
  /** Aborted when this daemon stops leading; undefined without leader election. */
  term(): AbortSignal | undefined;
  /** Receives every report with its verdict (status, metrics, watches, per-cluster retries). */
  onReport(key: string, report: PassReport, verdict: PassVerdict): void;
  /** Enqueues a full pass: called when two passes ran at once and one of them wrote the registry. */
  heal(): void;
}

/** One pass in flight; `overlapped` is set when another pass ran at the same time. */
interface PassTicket {
  overlapped: boolean;
}

/**
 * The daemon's reconciler: for a key, re-read the directory (level-based: the event that enqueued
 * the key is not passed along), run one apply pass scoped to the key, hand the report over, and
 * throw when the verdict says the key must be retried. The full pass runs alone (RunLock).
 */
export function keyReconciler(deps: KeyReconcilerDeps): Reconciler {
  const running = new Set<PassTicket>();
  let healPending = false;
  /** Runs the key's pass under the RunLock, marking it and every pass it overlaps. */
  const runTracked = (key: string, signal: AbortSignal, ticket: PassTicket): Promise<PassReport> =>
    deps.lock.with(key === FULL_KEY, async () => {
      if (running.size > 0) ticket.overlapped = true;
      for (const other of running) other.overlapped = true;
      running.add(ticket);
      try {
        return await runOnePass(deps, key, signal);
      } finally {
        running.delete(ticket);
      }
    });
  // Each pass publishes the registry from what it read at its start: of two passes at once, the
  // later write may drop what the other added. A full pass (alone) republishes the whole truth,
  // once the last of the overlapping passes is done.
  const healAfterOverlap = (ticket: PassTicket, report: PassReport): void => {
    if (ticket.overlapped && (report.registry?.writes ?? 0) > 0) healPending = true;
    if (healPending && running.size === 0) {
      healPending = false;
      deps.heal();
    }
  };
  return async (key, signal) => {
    if (!deps.isActive()) return;
    const term = deps.term();
    const combined = term ? AbortSignal.any([signal, term]) : signal;
    const ticket: PassTicket = { overlapped: false };
    const report = await runTracked(key, combined, ticket);
    if (report.mesh) deps.lastGood.mesh = report.mesh;
    healAfterOverlap(ticket, report);
    return resultOfPass(deps, key, report);
  };
}

/** Judges a pass, hands the report over, and returns or throws what the queue does with the key. */
function resultOfPass(deps: KeyReconcilerDeps, key: string, report: PassReport): ReconcileResult | undefined {
  const verdict = judgePass(key, report);
  deps.onReport(key, report, verdict);
  if (verdict.error === undefined) return;
  if (verdict.awaitReachable === true) return { requeueAfterMs: UNREACHABLE_RECHECK_MS };
  // The error's code carries its retry class: the queue parks a terminal one, backs off the rest.
  throw new MeshdError(verdict.error.code, verdict.error.message);
}

/**
 * How often a cluster that is only unreachable is reconciled anyway. Its watches probe it every
 * half second (informers.ts) and enqueue it the moment it answers; this is the safety net.
 */
export const UNREACHABLE_RECHECK_MS = 5 * 60_000;

async function runOnePass(deps: KeyReconcilerDeps, key: string, signal: AbortSignal): Promise<PassReport> {
  const config = deps.config();
  const snapshot = await readDirectorySnapshot(config.directory);
  addSnapshotCredentials(deps.redactor, snapshot);
  const options: PassOptions = { mode: 'apply', snapshot, config, plugins: deps.plugins(), logger: deps.logger.child({ key }), signal };
  const helm = await deps.helm();
  if (helm) options.helm = helm;
  if (deps.lastGood.mesh) options.lastGood = deps.lastGood.mesh;
  const state = deps.state();
  if (state) options.state = state;
  const scope = scopeOfKey(key);
  if (scope) options.scope = scope;
  return deps.runPass(options);
}
