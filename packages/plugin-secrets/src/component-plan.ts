// The secrets addon's plan phase: pure, synchronous, data in and data out. What was observed (the
// control plane's sources, the remote's copies, the journal's entries) and the desired inputs (the
// cluster's overrides, adopt, prune) become the component plan; its `work` is what apply writes.
import { changesOf } from '@meshd/core/release';
import { isWrite, journalBefore, journalView, planRemoval } from '@meshd/core/plan';
import { objectKey, refOf } from '@meshd/core/kube';
import type { ComponentPlan, DesiredInputs, PlannedChange } from '@meshd/core';
import type { JournalEntry, JournalUpdate, ObjectAction } from '@meshd/core/plan';
import type { KubeObject } from '@meshd/core/kube';
import { effectiveConfig } from './config.js';
import type { SecretsConfig } from './config.js';
import type { ObservedSources } from './copies.js';
import { planSecretCopies } from './plan.js';
import type { ObservedRemote } from './plan.js';
import { summarise } from './report.js';

/** Name of this component in plans and status. */
export const SECRETS = 'secrets';

/**
 * What the secrets addon observed for one cluster. Plain data. `sources` and `remote` are absent when
 * nothing was read: the control plane (it holds the sources, not copies) or an invalid per-cluster
 * override (the plan reports it).
 */
export interface SecretsObserved {
  sources?: ObservedSources;
  remote?: ObservedRemote;
  /** What the journal recorded creating on this remote for the secrets owner; undefined: no state directory. */
  journal?: ReadonlyMap<string, JournalEntry>;
}

/** What the secrets addon observed for a removal: every copy meshd owns there (by label) and the journal's entries. */
export interface SecretsRemovalObserved {
  owned: KubeObject[];
  journal?: ReadonlyMap<string, JournalEntry>;
}

/**
 * What a secrets plan carries to apply: the writes in order, the journal bookkeeping to write before
 * them, and one message per same-named secret meshd does not own (reported after the writes). The
 * copies hold secret values: never shown or logged.
 */
export interface SecretsWork {
  writes: ObjectAction[];
  before: JournalUpdate;
  conflicts: string[];
}

/** A secrets plan; `work` is undefined when there is nothing to carry out (a config error, the control plane). */
export type SecretsPlan = ComponentPlan<SecretsWork | undefined>;

function failedPlan(cluster: string, error: string): SecretsPlan {
  return { component: SECRETS, cluster, state: 'failed', reason: error, error, errorCode: 'MESHD_ERR_INVALID_CONFIG', changes: [], work: undefined };
}

function nothingPlan(cluster: string, reason: string): SecretsPlan {
  return { component: SECRETS, cluster, state: 'in-sync', reason, changes: [], work: undefined };
}

/** Pure: the effective config of a cluster (its overrides on the plugin's config), or why it is invalid. */
export function secretsConfigFor(config: SecretsConfig, desired: Pick<DesiredInputs, 'cluster'>): ReturnType<typeof effectiveConfig> {
  return effectiveConfig(config, desired.cluster.overrides);
}

/**
 * Pure: the plan that makes one remote hold exactly the copies the sources call for (planSecretCopies),
 * as the component plan `meshd plan` shows. Conflicts block only their own copy: while other copies
 * can be written, the plan carries them and apply reports the conflicts after writing.
 */
export function planSecrets(config: SecretsConfig, desired: DesiredInputs, observed: SecretsObserved): SecretsPlan {
  const cluster = desired.cluster.name;
  const resolved = secretsConfigFor(config, desired);
  if (!resolved.ok) return failedPlan(cluster, resolved.error);
  if (desired.cluster.role === 'control-plane') return nothingPlan(cluster, 'the control plane holds the sources, not copies');
  const { sources, remote } = observed;
  if (!sources || !remote) return failedPlan(cluster, 'the sources and copies were not observed');
  const view = journalView(observed.journal, remote.live);
  const recorded = view.recorded ? { recorded: view.recorded } : {};
  const steps = planSecretCopies({ target: cluster, config: resolved.config, sources, remote, adopt: desired.adopt, prune: desired.prune, ...recorded });
  const summary = summarise(cluster, steps, remote.live, remote.owned.length > 0);
  const writes = steps.actions.filter(isWrite);
  const work: SecretsWork = { writes, before: journalBefore(view, steps.actions, remote.live), conflicts: summary.conflicts };
  const plan: SecretsPlan = { component: SECRETS, cluster, state: summary.state, reason: summary.reason, changes: summary.changes, work };
  if (summary.conflicts.length > 0 && writes.length === 0) {
    plan.error = summary.conflicts.join('; ');
    plan.errorCode = 'MESHD_ERR_NOT_OWNED';
  }
  return plan;
}

/** Pure: deleting the copies meshd made on a cluster that left the mesh (with a journal, only those it recorded); never a namespace. */
export function planSecretsRemoval(desired: Pick<DesiredInputs, 'cluster'>, observed: SecretsRemovalObserved): SecretsPlan {
  const live = new Map<string, KubeObject | null>(observed.owned.map((o) => [objectKey(o), o]));
  const { recorded, settled } = journalView(observed.journal, live);
  const actions = planRemoval(observed.owned.map(refOf), live, recorded ? { recorded } : {});
  const deletes = actions.filter((a) => a.op === 'delete');
  const changes: PlannedChange[] = changesOf(actions).map((c) => (c.op === 'delete' ? { ...c, detail: ['a copy meshd made; its cluster left the mesh'] } : c));
  return {
    component: SECRETS,
    cluster: desired.cluster.name,
    state: deletes.length > 0 ? 'removed' : 'absent',
    reason: deletes.length > 0 ? `${deletes.length} copy(ies) meshd made will be deleted` : 'no copies meshd made are left',
    changes,
    work: { writes: deletes, before: settled, conflicts: [] },
  };
}
