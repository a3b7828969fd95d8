import type { ClusterClient } from '../cluster/client.js';
import { executeJournaled, writeJournal } from '../apply/execute-journaled.js';
import { journalBefore, journalView } from '../plan/journal.js';
import type { KubeObject } from '../kube/object.js';
import { planObjects, isWrite } from '../plan/objects.js';
import { refKey, refOf } from '../kube/object.js';
import { foreignRegistrySecrets, foreignSecretChanges, ownWholeConfigMap } from '../registry/ownership.js';
import type { ObjectAction } from '../plan/objects.js';
import type { PlannedChange, ComponentPlan, ObjectJournal } from '../plugin/types.js';
import { changesOf } from '../release/component.js';
import { registryObjects } from '../registry/desired.js';
import { pilotRestartChange, restartPilot } from '../registry/restart-pilot.js';
import { contentHash } from '../plan/hash.js';
import type { PublishedCluster, RegistryMode } from '../registry/desired.js';
import type { ObservedRegistry } from '../registry/observe.js';
import { observeRegistryLive } from '../registry/observe.js';

/** Inputs of the registry step. */
export interface RegistryStepInput {
  cp: ClusterClient;
  mode: RegistryMode;
  /** Secrets mode: how a changed Secret is written (`recreate` for Istio 0.8.0's Pilot, `patch` for 1.x). */
  secretUpdate?: 'recreate' | 'patch';
  namespace: string;
  published: readonly PublishedCluster[];
  files: Readonly<Record<string, string>>;
  observed: ObservedRegistry;
  adopt: boolean;
  /** ConfigMap mode: roll Pilot when the registry changes (the guide's Pilot reads it at start only). */
  restartPilot?: boolean;
  /**
   * Clusters meshd published or remembers (state directory): only their registry Secrets are meshd's.
   * Undefined: every Secret carrying meshd's registry label counts as meshd's.
   */
  known?: ReadonlySet<string>;
  /** The control plane's `registry` journal: only registry objects it recorded are deleted. Undefined: labels decide. */
  journal?: ObjectJournal;
}

/**
 * Updates carry the resourceVersion they were planned against: two passes that planned from the same
 * registry cannot both write it (the second gets 409 Conflict, fails and is retried from fresh).
 */
function withResourceVersion(action: ObjectAction, live: ReadonlyMap<string, KubeObject | null>): ObjectAction {
  const rv = live.get(action.key)?.metadata.resourceVersion;
  if (action.op !== 'update' || !action.desired || typeof rv !== 'string') return action;
  return { ...action, desired: { ...action.desired, metadata: { ...action.desired.metadata, resourceVersion: rv } } };
}

/** Secrets mode: the istio/multiCluster Secrets not published by meshd and not planned here (left alone, reported). */
function foreignSecretsLeft(input: RegistryStepInput, actions: readonly ObjectAction[]): KubeObject[] {
  if (input.mode !== 'secrets') return [];
  const desiredKeys = new Set(actions.map((a) => a.key));
  return foreignRegistrySecrets(input.observed.multicluster ?? [], input.known ?? new Set(input.published.map((p) => p.name))).filter(
    (s) => !desiredKeys.has(refKey(refOf(s))),
  );
}

/** ConfigMap mode with restartPilot: the hash of the registry ConfigMap this plan writes (Pilot is rolled to it); undefined: no roll. */
function pilotRestartHash(input: RegistryStepInput, actions: readonly ObjectAction[]): string | undefined {
  if (!input.restartPilot || input.mode !== 'configmap') return undefined;
  const registryWrite = actions.find((a) => a.op !== 'delete' && isWrite(a) && a.ref.kind === 'ConfigMap');
  return registryWrite?.desired ? contentHash(registryWrite.desired.data) : undefined;
}

/** The registry component's reason: mode, clusters published, Secrets of others left alone. */
function registryReason(input: RegistryStepInput, foreignCount: number): string {
  return `${input.mode} mode, ${input.published.length} cluster(s) published${foreignCount > 0 ? `; ${foreignCount} Secret(s) labelled istio/multiCluster not published by meshd (left alone)` : ''}`;
}

/**
 * The registry's plan: core's own step on the control plane, not a plugin's, so it still carries
 * its apply (the write requests) and its journal-only remember with it.
 */
export interface RegistryPlan extends ComponentPlan<undefined> {
  apply(signal?: AbortSignal): Promise<number>;
  remember(): Promise<void>;
}

/**
 * Plans the registry on the control plane: the objects for the chosen mode; registry objects meshd
 * wrote that are no longer wanted (another mode, a removed cluster) are deleted. In `secrets` mode a
 * changed Secret is deleted and created again (`secretUpdate: recreate`, the default), because 0.8.0
 * Pilot ignores updates; with `patch` it is updated in place, which Istio 1.x swaps without a gap.
 */
export async function planRegistry(input: RegistryStepInput): Promise<RegistryPlan> {
  const desired = registryObjects(input.mode, input.namespace, input.published, input.files);
  const { live, previous } = await observeRegistryLive(input.cp, desired, input.observed, input.known);
  const view = journalView(input.journal?.entries(), live);
  const planned = planObjects({
    desired,
    live,
    previous,
    adopt: input.adopt,
    prune: true,
    recreateOnChange: (o) => o.kind === 'Secret' && input.secretUpdate !== 'patch',
    ...(view.recorded ? { recorded: view.recorded } : {}),
  });
  const actions = planned.map((a) => withResourceVersion(ownWholeConfigMap(a, live.get(a.key)), live));
  const conflicts = actions.filter((a) => a.op === 'conflict');
  const foreign = foreignSecretsLeft(input, actions);
  const changes: PlannedChange[] = [...changesOf(actions), ...foreignSecretChanges(foreign)];
  const before = journalBefore(view, actions, live);
  const restartHash = pilotRestartHash(input, actions);
  if (restartHash) changes.push(pilotRestartChange(input.namespace, restartHash));
  const plan: RegistryPlan = {
    component: 'registry',
    cluster: input.cp.name,
    state: conflicts.length > 0 ? 'unmanaged' : actions.some(isWrite) ? 'out-of-sync' : 'in-sync',
    reason: registryReason(input, foreign.length),
    changes,
    apply: async (signal?: AbortSignal) => {
      const { writes } = await executeJournaled(input.cp, actions.filter(isWrite), { journal: input.journal, before, signal });
      return writes + (restartHash ? await restartPilot(input.cp, input.namespace, restartHash) : 0);
    },
    remember: () => writeJournal(input.journal, before),
    work: undefined,
  };
  if (conflicts.length > 0) {
    plan.error = conflicts.map((c) => c.reason).join('; ');
    plan.errorCode = 'MESHD_ERR_NOT_OWNED';
  }
  return plan;
}
