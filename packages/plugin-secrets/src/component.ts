import { MeshdError } from '@meshd/core';
import { changesOf } from '@meshd/core/release';
import { executeJournaled, writeJournal } from '@meshd/core/apply';
import { isWrite, journalBefore, journalView, planRemoval } from '@meshd/core/plan';
import { objectKey, refOf } from '@meshd/core/kube';
import type { ClusterClient } from '@meshd/core/cluster';
import type { ClusterTarget, ComponentInstance, ComponentPlan, MeshInputs, ObjectJournal, PlannedChange, PluginContext } from '@meshd/core';
import type { JournalUpdate, ObjectAction } from '@meshd/core/plan';
import type { KubeObject } from '@meshd/core/kube';
import { effectiveConfig } from './config.js';
import type { SecretsConfig } from './config.js';
import { desiredFromSources } from './copies.js';
import { listOwnedCopies, observeRemote } from './observe-remote.js';
import { SharedSourceReader } from './observe-sources.js';
import { planSecretCopies } from './plan.js';
import { summarise } from './report.js';

/** Name of this component in plans and status. */
export const SECRETS = 'secrets';

/** Journal owner of the secrets addon: the copies and the namespaces (createNamespaces) it created. */
export const SECRETS_OWNER = 'secrets';

function failedPlan(cluster: string, error: string): ComponentPlan {
  return {
    component: SECRETS,
    cluster,
    state: 'failed',
    reason: error,
    error,
    errorCode: 'MESHD_ERR_INVALID_CONFIG',
    changes: [],
    apply: () => Promise.reject(new MeshdError('MESHD_ERR_INVALID_CONFIG', error)),
  };
}

/** One remote's steps with their journal bookkeeping (decided at plan time). */
interface JournaledSteps {
  client: ClusterClient;
  actions: readonly ObjectAction[];
  journal: ObjectJournal | undefined;
  before: JournalUpdate;
}

/**
 * Carries out planned steps: every write in order (journaled), then, when some secret was left alone
 * because meshd does not own it, a terminal MESHD_ERR_NOT_OWNED naming them (the rest is still done).
 */
async function applySteps(steps: JournaledSteps, conflicts: readonly string[], signal?: AbortSignal): Promise<number> {
  const { writes } = await executeJournaled(steps.client, steps.actions, { journal: steps.journal, before: steps.before, signal });
  if (conflicts.length > 0) throw new MeshdError('MESHD_ERR_NOT_OWNED', conflicts.join('; '));
  return writes;
}

class SecretsComponent implements ComponentInstance {
  private readonly sources = new SharedSourceReader();

  constructor(private readonly ctx: PluginContext<SecretsConfig>) {}

  async plan(target: ClusterTarget, mesh: MeshInputs): Promise<ComponentPlan> {
    const resolved = effectiveConfig(this.ctx.config, target.overrides);
    if (!resolved.ok) return failedPlan(target.name, resolved.error);
    if (target.role === 'control-plane') return this.nothing(target.name, 'the control plane holds the sources, not copies');
    const journal = target.journal?.(SECRETS_OWNER);
    // The remote's own copies are listed while the control plane's sources are read: neither needs the other.
    const listed = listOwnedCopies(target.client);
    listed.catch(() => undefined); // a failure surfaces in observeRemote, not as an unhandled rejection meanwhile
    const sources = await this.sources.read(mesh.controlPlane.client, resolved.config);
    const remote = await observeRemote(
      target.client,
      desiredFromSources(sources, resolved.config).copies,
      [...(journal?.entries().values() ?? [])].map((e) => e.ref),
      listed,
    );
    const view = journalView(journal?.entries(), remote.live);
    const steps = planSecretCopies({
      target: target.name,
      config: resolved.config,
      sources,
      remote,
      adopt: mesh.adopt,
      prune: mesh.prune,
      ...(view.recorded ? { recorded: view.recorded } : {}),
    });
    const summary = summarise(target.name, steps, remote.live, remote.owned.length > 0);
    this.ctx.logger.debug({ cluster: target.name, state: summary.state, changes: summary.changes.length }, `secrets: ${summary.reason}`);
    const writes = steps.actions.filter(isWrite);
    const before = journalBefore(view, steps.actions, remote.live);
    const journaled: JournaledSteps = { client: target.client, actions: writes, journal, before };
    const plan: ComponentPlan = {
      component: SECRETS,
      cluster: target.name,
      state: summary.state,
      reason: summary.reason,
      changes: summary.changes,
      apply: (signal?: AbortSignal) => applySteps(journaled, summary.conflicts, signal ?? this.ctx.signal),
      remember: () => writeJournal(journal, before),
    };
    // Conflicts block only their own copy: while other copies can be written, apply writes them and then reports.
    if (summary.conflicts.length > 0 && writes.length === 0) {
      plan.error = summary.conflicts.join('; ');
      plan.errorCode = 'MESHD_ERR_NOT_OWNED';
    }
    return plan;
  }

  /** Deletes the copies meshd made (listed by label; with a journal, only those it recorded); never a namespace. */
  async planRemoval(target: ClusterTarget): Promise<ComponentPlan> {
    const journal = target.journal?.(SECRETS_OWNER);
    const owned = await listOwnedCopies(target.client);
    const live = new Map<string, KubeObject | null>(owned.map((o) => [objectKey(o), o]));
    const { recorded, settled } = journalView(journal?.entries(), live);
    const actions = planRemoval(owned.map(refOf), live, recorded ? { recorded } : {});
    const deletes = actions.filter((a) => a.op === 'delete');
    const changes: PlannedChange[] = changesOf(actions).map((c) =>
      c.op === 'delete' ? { ...c, detail: ['a copy meshd made; its cluster left the mesh'] } : c,
    );
    return {
      component: SECRETS,
      cluster: target.name,
      state: deletes.length > 0 ? 'removed' : 'absent',
      reason: deletes.length > 0 ? `${deletes.length} copy(ies) meshd made will be deleted` : 'no copies meshd made are left',
      changes,
      apply: (signal?: AbortSignal) => applySteps({ client: target.client, actions: deletes, journal, before: settled }, [], signal ?? this.ctx.signal),
      remember: () => writeJournal(journal, settled),
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
