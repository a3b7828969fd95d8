import { MeshdError } from '@meshd/core';
import type { ControlPlanePodSource, LoadedPlugin, Logger, MeshdConfig, PassOptions, PassReport } from '@meshd/core';
import type { DesiredMesh, DirectorySnapshot } from '@meshd/core/descriptor';
import type { DiscoveredEndpoints } from '@meshd/core/discovery';
import type { HelmProbe } from '@meshd/core/prereq';
import type { StateStore } from '@meshd/core/state';
import { anySignal } from '@meshd/core/util';
import { passOfKey } from './keys.js';
import type { ReconcileResult, Reconciler } from './queue.js';
import { judgePass } from './verdict.js';

/** What the daemon's passes carry from one to the next: the last mesh that loaded and the pods discovery chose last. */
export interface LastGood {
  mesh?: DesiredMesh;
  discovered?: DiscoveredEndpoints;
}

/** What a key's reconcile reads; the daemon owns all of it. The reconciler reports to nobody: it returns. */
export interface KeyReconcilerDeps {
  config(): MeshdConfig;
  plugins(): readonly LoadedPlugin[];
  /** Asks a helm client for its version, for the prerequisite check (each client once per config); undefined: no helm check. */
  helm?: (binary: string) => Promise<HelmProbe>;
  runPass(options: PassOptions): Promise<PassReport>;
  /**
   * The directory as the pass must see it: the current generation's snapshot (DirectorySource), its
   * credentials already known to the redactor. Never older than a change seen before the call.
   */
  snapshot(): Promise<DirectorySnapshot>;
  logger: Logger;
  /** The daemon's last good mesh and discovery, read before and replaced after each pass. */
  lastGood: LastGood;
  /** meshd's memory on the bastion (undefined: none configured). */
  state(): StateStore | undefined;
  /** The control-plane pod watch's cache: discovery reads Pilot/Mixer/statsd pods from it, not a list per key. */
  controlPlanePods?: ControlPlanePodSource;
  /** False on a standby (leader election): the reconcile does nothing. */
  isActive(): boolean;
  /** Aborted when this daemon stops leading; undefined without leader election. */
  term(): AbortSignal | undefined;
}

/**
 * The daemon's reconciler, controller-runtime's contract: a key in, `{ report, requeueAfterMs? }` or
 * `{ report, error }` out. For a key it takes the directory's current snapshot (level-based: the
 * event that enqueued the key is not passed along; one snapshot per directory generation, shared by
 * every key), runs the key's pass (`passOfKey`: one cluster, or the registry) and
 * judges it. It never calls the queue and never tells anyone else: the queue decides retries, delays
 * and forgetting from the result, and hands the report to the daemon with the outcome.
 */
export function keyReconciler(deps: KeyReconcilerDeps): Reconciler<PassReport> {
  return async (key, signal) => {
    if (!deps.isActive()) return {};
    const term = deps.term();
    // The termination signal lives as long as the daemon: anySignal, not AbortSignal.any (core's any-signal.ts).
    const combined = term ? anySignal([signal, term]) : undefined;
    let report: PassReport;
    try {
      report = await runOnePass(deps, key, combined?.signal ?? signal);
    } finally {
      combined?.dispose();
    }
    if (report.mesh) deps.lastGood.mesh = report.mesh;
    if (report.discovered) deps.lastGood.discovered = report.discovered;
    return resultOfPass(key, report);
  };
}

/** What the queue does with the key after its pass: its verdict as a result carrying the report. Pure. */
export function resultOfPass(key: string, report: PassReport): ReconcileResult<PassReport> {
  const verdict = judgePass(key, report);
  const result: ReconcileResult<PassReport> = { report };
  if (verdict.forget === true) result.forget = true;
  if (verdict.error === undefined) return result;
  if (verdict.awaitReachable === true) return { ...result, requeueAfterMs: UNREACHABLE_RECHECK_MS };
  // The error's code carries its retry class: the queue parks a terminal one, backs off the rest.
  return { ...result, error: new MeshdError(verdict.error.code, verdict.error.message) };
}

/**
 * How often a cluster that is only unreachable is reconciled anyway. Its watches probe it every
 * half second (informers.ts) and enqueue it the moment it answers; this is the safety net.
 */
export const UNREACHABLE_RECHECK_MS = 5 * 60_000;

async function runOnePass(deps: KeyReconcilerDeps, key: string, signal: AbortSignal): Promise<PassReport> {
  // Taken off the queue now, after whatever enqueued the key: reads other keys start from here on may be shared.
  const startedAt = performance.now();
  const config = deps.config();
  const snapshot = await deps.snapshot();
  const pass = passOfKey(key);
  const options: PassOptions = {
    mode: 'apply',
    part: pass.part,
    snapshot,
    config,
    plugins: deps.plugins(),
    logger: deps.logger.child({ key }),
    signal,
    startedAt,
  };
  if (pass.part === 'clusters') options.scope = pass.scope;
  if (deps.helm) options.helm = deps.helm;
  if (deps.lastGood.mesh) options.lastGood = deps.lastGood.mesh;
  // The pods chosen last stay chosen while they serve (choosePod's first rule): a second replica or a
  // rollout's new pod created in the same second as the serving one does not move the endpoints.
  if (deps.lastGood.discovered) options.previousEndpoints = deps.lastGood.discovered;
  const state = deps.state();
  if (state) options.state = state;
  if (deps.controlPlanePods) options.controlPlanePods = deps.controlPlanePods;
  return deps.runPass(options);
}
