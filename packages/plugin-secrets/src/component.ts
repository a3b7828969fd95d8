// The secrets addon's observe and apply phases: all of its I/O. The mesh-wide observe reads the
// control plane's sources once per pass for every remote (core runs it: pass/mesh-observe.ts); each
// remote's observe reads its copies; neither decides anything. Apply writes what the plan
// (component-plan.ts, pure) carries and decides nothing.
import { MeshdError } from '@meshd/core';
import { executeJournaled, writeJournal } from '@meshd/core/apply';
import type { ClusterTarget, ComponentInstance, ComponentMesh, DesiredInputs, MeshTarget, PluginContext } from '@meshd/core';
import { effectiveConfig } from './config.js';
import type { SecretsConfig } from './config.js';
import { desiredFromSources } from './copies.js';
import { listOwnedCopies, observeRemote } from './observe-remote.js';
import { observeMeshSources, observeSources, sourcesKey } from './observe-sources.js';
import type { SecretsMeshObserved } from './observe-sources.js';
import { planSecrets, planSecretsRemoval, secretsConfigFor } from './component-plan.js';
import type { SecretsObserved, SecretsPlan, SecretsRemovalObserved, SecretsWork } from './component-plan.js';

export { SECRETS } from './component-plan.js';

/** Journal owner of the secrets addon: the copies and the namespaces (createNamespaces) it created. */
export const SECRETS_OWNER = 'secrets';

/** The secrets component's phases, typed: what it observes per remote, its work, its removal's observation, its mesh-wide observation. */
export type SecretsInstance = ComponentInstance<SecretsObserved, SecretsWork | undefined, SecretsRemovalObserved, SecretsMeshObserved>;

class SecretsComponent implements SecretsInstance {
  constructor(private readonly ctx: PluginContext<SecretsConfig>) {}

  /**
   * The mesh-wide observe: the control plane's sources (selected namespaces, matching secrets, the CA
   * secret when asked), read once for each distinct effective config of the mesh's remotes (an
   * invalid per-cluster override is left to that remote's plan to report).
   */
  observeMesh(mesh: MeshTarget): Promise<SecretsMeshObserved> {
    const configs = mesh.remotes.flatMap((r) => {
      const resolved = effectiveConfig(this.ctx.config, r.overrides);
      return resolved.ok ? [resolved.config] : [];
    });
    return observeMeshSources(mesh.controlPlane.client, configs);
  }

  /**
   * Reads the remote's copies (one list), then what the list did not answer; the sources come from
   * the mesh-wide observe (read here only for a config it did not cover, which core never hands).
   */
  async observe(target: ClusterTarget, mesh: ComponentMesh<SecretsMeshObserved>): Promise<SecretsObserved> {
    const resolved = secretsConfigFor(this.ctx.config, { cluster: target });
    if (!resolved.ok || target.role === 'control-plane') return {};
    const journal = target.journal?.(SECRETS_OWNER).entries();
    const listed = listOwnedCopies(target.client);
    listed.catch(() => undefined); // a failure surfaces in observeRemote, not as an unhandled rejection meanwhile
    const sources = mesh.observed.sources.get(sourcesKey(resolved.config)) ?? (await observeSources(mesh.controlPlane.client, resolved.config));
    const journaled = [...(journal?.values() ?? [])].map((e) => e.ref);
    const remote = await observeRemote(target.client, desiredFromSources(sources, resolved.config).copies, journaled, listed);
    return journal ? { sources, remote, journal } : { sources, remote };
  }

  plan(desired: DesiredInputs, observed: SecretsObserved): SecretsPlan {
    return planSecrets(this.ctx.config, desired, observed);
  }

  /** Lists the copies meshd owns on the cluster (by label), with the journal's entries. */
  async observeRemoval(target: ClusterTarget): Promise<SecretsRemovalObserved> {
    const journal = target.journal?.(SECRETS_OWNER).entries();
    const owned = await listOwnedCopies(target.client);
    return journal ? { owned, journal } : { owned };
  }

  planRemoval(desired: DesiredInputs, observed: SecretsRemovalObserved): SecretsPlan {
    return planSecretsRemoval(desired, observed);
  }

  /**
   * Carries out planned writes: every write in order (journaled), then, when some secret was left
   * alone because meshd does not own it, a terminal MESHD_ERR_NOT_OWNED naming them (the rest is still done).
   */
  async apply(plan: SecretsPlan, target: ClusterTarget, signal?: AbortSignal): Promise<number> {
    const work = plan.work;
    if (!work) return 0;
    this.ctx.logger.debug({ cluster: target.name, state: plan.state, changes: plan.changes.length }, `secrets: ${plan.reason}`);
    const journal = target.journal?.(SECRETS_OWNER);
    const { writes } = await executeJournaled(target.client, work.writes, { journal, before: work.before, signal: signal ?? this.ctx.signal });
    if (work.conflicts.length > 0) throw new MeshdError('MESHD_ERR_NOT_OWNED', work.conflicts.join('; '));
    return writes;
  }

  /** Writes the journal's bookkeeping only (nothing to write to the cluster). */
  async remember(plan: SecretsPlan, target: ClusterTarget): Promise<void> {
    if (plan.work) await writeJournal(target.journal?.(SECRETS_OWNER), plan.work.before);
  }
}

/** Creates the secrets component for one run (its config already validated). */
export function createSecretsComponent(ctx: PluginContext<SecretsConfig>): SecretsInstance {
  return new SecretsComponent(ctx);
}
