// Switching a cluster's backend, done by core in either direction: the backend that installed the
// release uninstalls it (its own removal phases: Tiller's `helm delete --purge`, the release engine's
// inventory-based uninstall for a renderer), then the chosen one installs it, in one pass. No backend
// knows about another; which one installed the release is the state directory's memory, never
// something read from a cluster (the trust model: nothing read from a cluster decides a deletion).
import type { LoadedPlugin } from '../plugin/define.js';
import type { ClusterTarget, ComponentPlan, MeshInputs } from '../plugin/types.js';
import type { StateStore } from '../state/store.js';
import { hasRealChanges, observeAndPlan, observeAndPlanRemoval, runComponent, unmetNeedPlan } from './components.js';
import type { ApplySwitch, CarriedPlan, ComponentRun } from './components.js';
import type { MeshObservations } from './mesh-observe.js';
import type { ComponentReport } from './types.js';

/** What running one cluster's backend needs: the pass's plugins, its target and inputs, and the state directory. */
export interface BackendRun {
  plugins: readonly LoadedPlugin[];
  target: ClusterTarget;
  mesh: MeshInputs;
  apply: ApplySwitch;
  /** The state directory (undefined: no memory of the backend, so no switch is seen). */
  state?: StateStore | undefined;
  /** The chosen backend's plan, already started (used only when no switch is needed). */
  early?: Promise<CarriedPlan>;
  /** The pass's mesh-wide observations (undefined: a backend with observeMesh reads for this cluster alone). */
  observations?: MeshObservations;
}

/** True when a plan writes something (a conflict or an orphan is only reported). Pure. */
function writesSomething(plan: ComponentPlan): boolean {
  return plan.changes.some((c) => c.op !== 'orphan' && c.op !== 'conflict');
}

/**
 * Apply mode: records in the cluster's member record which backend may have something installed
 * there (undefined: none), before that backend writes, as every other record is written before
 * acting. Plan mode and passes without a state directory write nothing.
 */
async function rememberBackend(run: BackendRun, backend: string | undefined): Promise<void> {
  const state = run.state;
  const record = run.apply.enabled ? state?.member(run.target.name) : undefined;
  if (!state || !record || record.backend === backend) return;
  const { backend: _previous, ...rest } = record;
  await state.putMember(backend === undefined ? rest : { ...rest, backend });
}

/**
 * The chosen backend's step: core's plan when a declared need is unmet, else the plugin's. A plan that
 * will write, or that found its release in place, records the backend as installed before its apply.
 */
function installStep(run: BackendRun, chosen: LoadedPlugin, early: Promise<CarriedPlan> | undefined): ComponentRun['step'] {
  return async (target, mesh) => {
    const unmet = early ? undefined : unmetNeedPlan(chosen, target, mesh);
    const carried = early
      ? await early
      : unmet
        ? { plan: unmet }
        : await observeAndPlan(chosen.instance, target, mesh, { signal: run.apply.signal, observing: run.observations?.of(chosen) });
    if (carried.plan.error === undefined || writesSomething(carried.plan)) await rememberBackend(run, chosen.name);
    return carried;
  };
}

function runInstall(run: BackendRun, chosen: LoadedPlugin, early?: Promise<CarriedPlan>): Promise<ComponentReport> {
  return runComponent({ step: installStep(run, chosen, early), name: chosen.name, target: run.target, mesh: run.mesh, apply: run.apply });
}

/** Pure: the previous backend's removal as a switch reports it (its state and changes; core's reason). */
export function switchReport(removal: ComponentReport, from: string, to: string): ComponentReport {
  const why =
    removal.error !== undefined
      ? `${from} could not uninstall its release (${removal.reason}); ${to} installs it once that is done`
      : hasRealChanges(removal.changes)
        ? `${from} uninstalls what it installed, then ${to} installs the release`
        : `${from} has nothing installed here (${removal.reason})`;
  return { ...removal, reason: `backend changed from ${from} to ${to}: ${why}` };
}

/** Pure: the chosen backend's report while the previous one's release is still there (plan mode, or its uninstall failed). */
export function waitingReport(to: string, from: string, failed: boolean): ComponentReport {
  const reason = failed
    ? `waits for ${from} to uninstall its release (see ${from})`
    : `installs the release once ${from} has uninstalled it (apply does both in one pass)`;
  return { component: to, state: 'waiting', reason, changes: [], writes: 0 };
}

/** The chosen backend run alone, warned that the backend recorded as installed here is not registered (nothing of it is uninstalled). */
async function installBesideUnregistered(run: BackendRun, chosen: LoadedPlugin, recorded: string): Promise<ComponentReport[]> {
  const report = await runInstall(run, chosen);
  const warning = `the state directory records backend ${recorded} as installed here, but no such backend is registered: nothing of it was uninstalled`;
  return [{ ...report, warnings: [...(report.warnings ?? []), warning] }];
}

/**
 * Runs a remote's chosen backend. When the state directory records another backend as installed
 * there (the cluster's backend changed), that backend first uninstalls its release through its own
 * planRemoval, deleting only what it owns; once that succeeded the record is cleared and the chosen
 * backend installs, in the same pass. Plan mode shows the uninstall and reports the chosen backend
 * `waiting` (its plan would see the old release's objects). A failed uninstall stops the switch (the
 * chosen backend waits); a failed install after it is an ordinary failed install, retried by the next
 * pass. Never throws: errors are in the reports.
 */
export async function runBackend(run: BackendRun, chosen: LoadedPlugin): Promise<ComponentReport[]> {
  const recorded = run.state?.member(run.target.name)?.backend;
  if (recorded === undefined || recorded === chosen.name) return [await runInstall(run, chosen, run.early)];
  const previous = run.plugins.find((p) => p.kind === 'backend' && p.name === recorded);
  if (!previous) return installBesideUnregistered(run, chosen, recorded);
  const step: ComponentRun['step'] = (t, m) => observeAndPlanRemoval(previous.instance, t, m, run.apply.signal);
  const removal = switchReport(
    await runComponent({ step, name: previous.name, target: run.target, mesh: run.mesh, apply: run.apply }),
    previous.name,
    chosen.name,
  );
  if (removal.error !== undefined) return [removal, waitingReport(chosen.name, previous.name, true)];
  if (!run.apply.enabled && hasRealChanges(removal.changes)) return [removal, waitingReport(chosen.name, previous.name, false)];
  await rememberBackend(run, undefined);
  return [removal, await runInstall(run, chosen)];
}
