import { applyObject, deleteObject } from '@meshd/core/kube';
import { markOwned } from '@meshd/core/plan';
import { MeshdError } from '@meshd/core';
import type { ClusterClient } from '@meshd/core/cluster';
import { installArgs, purgeArgs, rollbackArgs, tillerInstallArgs, upgradeArgs } from './helm2/args.js';
import type { ReleaseTarget } from './helm2/args.js';
import type { TillerSession } from './helm2/session.js';
import { TILLER_ACCOUNT } from './prerequisites.js';
import type { TillerPlan, TillerStep } from './steps.js';

/** What carrying out a Tiller plan needs besides the plan. */
export interface TillerExecution {
  session: TillerSession;
  client: ClusterClient;
  chartDir: string;
  /** The values to install or upgrade with (meshd's mark included). */
  values: Record<string, unknown>;
  /** Longest time one install, upgrade, rollback or delete may take. */
  timeoutMs: number;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

class StepRunner {
  private valuesFile: string | undefined;

  constructor(
    private readonly x: TillerExecution,
    private readonly plan: TillerPlan,
  ) {}

  /** Runs one step; returns the write operations it made (a helm command that writes counts as one). */
  async run(step: TillerStep): Promise<number> {
    const { session, client, timeoutMs } = this.x;
    const slow = timeoutMs + session.options.connectTimeoutMs;
    switch (step.op) {
      case 'create':
        await applyObject(client, markOwned(step.object));
        return 1;
      case 'install-tiller':
        await session.runLocal(tillerInstallArgs(session.connection, TILLER_ACCOUNT), slow + session.options.connectTimeoutMs);
        return 1;
      case 'delete':
        await deleteObject(client, step.ref);
        return 1;
      case 'rollback':
        await session.run(rollbackArgs(this.plan.release, step.revision, timeoutMs), slow);
        return 1;
      case 'purge':
        await session.run(purgeArgs(this.plan.release, timeoutMs), slow);
        return 1;
      case 'install':
        await session.run(installArgs(await this.target(), step.replace), slow);
        return 1;
      case 'upgrade':
        return this.upgrade(step.rollbackTo, slow);
    }
  }

  /** `helm upgrade`; on failure, roll back to `rollbackTo` and report the failure anyway (never silently failed). */
  private async upgrade(rollbackTo: number | undefined, slow: number): Promise<number> {
    try {
      await this.x.session.run(upgradeArgs(await this.target()), slow);
      return 1;
    } catch (err) {
      if (rollbackTo === undefined) throw err;
      try {
        await this.x.session.run(rollbackArgs(this.plan.release, rollbackTo, this.x.timeoutMs), slow);
      } catch (rollbackErr) {
        throw new MeshdError('MESHD_ERR_TILLER', `${messageOf(err)}; the rollback to revision ${rollbackTo} failed too: ${messageOf(rollbackErr)}`, {
          cause: err,
        });
      }
      throw new MeshdError('MESHD_ERR_TILLER', `${messageOf(err)}; rolled back to revision ${rollbackTo}`, { cause: err });
    }
  }

  private async target(): Promise<ReleaseTarget> {
    this.valuesFile ??= await this.x.session.writeValues(this.x.values);
    return { release: this.plan.release, namespace: this.plan.namespace, chartDir: this.x.chartDir, valuesFile: this.valuesFile, timeoutMs: this.x.timeoutMs };
  }
}

/**
 * Carries out a Tiller plan, step by step in order; returns the write operations made. Stops at the
 * first failure (a MeshdError naming the cluster and helm's message); the next pass observes again
 * and continues from wherever the release is. Decides nothing: the plan says what to run.
 */
export async function executeTillerPlan(x: TillerExecution, plan: TillerPlan): Promise<number> {
  if (plan.error !== undefined) throw new MeshdError('MESHD_ERR_TILLER', `${x.client.name}: release ${plan.release}: ${plan.error}`);
  const runner = new StepRunner(x, plan);
  let writes = 0;
  for (const step of plan.steps) writes += await runner.run(step);
  return writes;
}
