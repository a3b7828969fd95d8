import { MeshdError, changesOf, executeActions, isWrite, objectKey, planRemoval, refOf } from '@meshd/core';
import type { ClusterClient, ClusterTarget, ComponentInstance, ComponentPlan, MeshInputs, ObjectAction, PlannedChange, PluginContext } from '@meshd/core';
import { effectiveConfig } from './config.js';
import type { SecretsConfig } from './config.js';
import { desiredFromSources } from './copies.js';
import { listOwnedCopies, observeRemote } from './observe-remote.js';
import { SharedSourceReader } from './observe-sources.js';
import { planSecretCopies } from './plan.js';
import { summarise } from './report.js';

/** Name of this component in plans and status. */
export const SECRETS = 'secrets';

function failedPlan(cluster: string, error: string): ComponentPlan {
  return { component: SECRETS, cluster, state: 'failed', reason: error, error, changes: [], apply: () => Promise.reject(new MeshdError('MESHD_ERR_INVALID_CONFIG', error, { terminal: true })) };
}

/**
 * Carries out planned steps: every write in order, then, when some secret was left alone because
 * meshd does not own it, a terminal MESHD_ERR_NOT_OWNED naming them (the rest is still done).
 */
async function applySteps(client: ClusterClient, actions: readonly ObjectAction[], conflicts: readonly string[], signal?: AbortSignal): Promise<number> {
  const { writes } = await executeActions(client, actions.filter(isWrite), signal);
  if (conflicts.length > 0) throw new MeshdError('MESHD_ERR_NOT_OWNED', conflicts.join('; '), { terminal: true });
  return writes;
}

class SecretsComponent implements ComponentInstance {
  private readonly sources = new SharedSourceReader();

  constructor(private readonly ctx: PluginContext<SecretsConfig>) {}

  async plan(target: ClusterTarget, mesh: MeshInputs): Promise<ComponentPlan> {
    const resolved = effectiveConfig(this.ctx.config, target.overrides);
    if (!resolved.ok) return failedPlan(target.name, resolved.error);
    if (target.role === 'control-plane') return this.nothing(target.name, 'the control plane holds the sources, not copies');
    const sources = await this.sources.read(mesh.controlPlane.client, resolved.config);
    const remote = await observeRemote(target.client, desiredFromSources(sources, resolved.config).copies);
    const steps = planSecretCopies({ target: target.name, config: resolved.config, sources, remote, adopt: mesh.adopt, prune: mesh.prune });
    const summary = summarise(target.name, steps, remote.live, remote.owned.length > 0);
    this.ctx.logger.debug({ cluster: target.name, state: summary.state, changes: summary.changes.length }, `secrets: ${summary.reason}`);
    const writes = steps.actions.filter(isWrite);
    const plan: ComponentPlan = {
      component: SECRETS,
      cluster: target.name,
      state: summary.state,
      reason: summary.reason,
      changes: summary.changes,
      apply: (signal?: AbortSignal) => applySteps(target.client, writes, summary.conflicts, signal ?? this.ctx.signal),
    };
    // Conflicts block only their own copy: while other copies can be written, apply writes them and then reports.
    if (summary.conflicts.length > 0 && writes.length === 0) plan.error = summary.conflicts.join('; ');
    return plan;
  }

  async planRemoval(target: ClusterTarget): Promise<ComponentPlan> {
    const owned = await listOwnedCopies(target.client);
    const actions = planRemoval(owned.map(refOf), new Map(owned.map((o) => [objectKey(o), o])));
    const changes: PlannedChange[] = changesOf(actions).map((c) => ({ ...c, detail: ['a copy meshd made; its cluster left the mesh'] }));
    return {
      component: SECRETS,
      cluster: target.name,
      state: owned.length > 0 ? 'removed' : 'absent',
      reason: owned.length > 0 ? `${owned.length} copy(ies) meshd made will be deleted` : 'no copies meshd made are left',
      changes,
      apply: (signal?: AbortSignal) => applySteps(target.client, actions, [], signal ?? this.ctx.signal),
    };
  }

  private nothing(cluster: string, reason: string): ComponentPlan {
    return { component: SECRETS, cluster, state: 'in-sync', reason, changes: [], apply: () => Promise.resolve(0) };
  }
}

/** Creates the secrets component for one run (its config already validated). */
export function createSecretsComponent(ctx: PluginContext<SecretsConfig>): ComponentInstance {
  return new SecretsComponent(ctx);
}
