// Helpers for the secrets plugin's integration tests: drive plan/apply the way the pass does.
import { readFile } from 'node:fs/promises';
import type { V1Secret } from '@kubernetes/client-node';
import { connectCluster } from '@meshd/core/cluster';
import type { ClusterClient } from '@meshd/core/cluster';
import { observeAndPlan, observeAndPlanRemoval, writesOf } from '@meshd/core';
import type { ClusterTarget, ComponentInstance, ComponentPlan, Logger, MeshInputs } from '@meshd/core';
import type { ClusterHandle } from '@meshd/testenv';
import { secretsConfigSchema, secretsPlugin } from '@meshd/plugin-secrets';

/** A client for a test cluster, as meshd would build it from the kubeconfig file. */
export async function connect(cluster: ClusterHandle): Promise<ClusterClient> {
  return connectCluster({ name: cluster.name, kubeconfigText: await readFile(cluster.kubeconfigPath, 'utf8') });
}

/** A secrets component created from raw `secrets:` config, as loadPlugins would. */
export function secretsComponent(input: unknown, logger: Logger): ComponentInstance {
  return secretsPlugin.create({ logger, config: secretsConfigSchema.parse(input), signal: new AbortController().signal });
}

/** The ClusterTarget of a remote. */
export function remoteTarget(client: ClusterClient, overrides: Record<string, unknown> = {}): ClusterTarget {
  return { name: client.name, role: 'remote', client, overrides };
}

/** The mesh inputs of a pass with `cp` as the control plane. */
export function meshOf(cp: ClusterClient, opts: { adopt?: boolean; prune?: boolean } = {}): MeshInputs {
  return {
    controlPlane: { name: cp.name, role: 'control-plane', client: cp, overrides: {} },
    endpoints: undefined,
    adopt: opts.adopt ?? false,
    prune: opts.prune ?? true,
  };
}

/** A plan as the pass makes it (observe, then the pure plan), with the component's apply of it on its target. */
export type BoundPlan = ComponentPlan & { apply(): Promise<number> };

function bound(component: ComponentInstance, target: ClusterTarget, plan: ComponentPlan): BoundPlan {
  return { ...plan, apply: async () => writesOf(await component.apply(plan, target)) };
}

/**
 * Observes and plans the component on `target` in the phases the pass runs; `observing` is the pass's
 * mesh-wide observation (observeMeshOf), else the component reads the sources for this remote alone.
 */
export async function planOn(component: ComponentInstance, target: ClusterTarget, mesh: MeshInputs, observing?: Promise<unknown>): Promise<BoundPlan> {
  return bound(component, target, (await observeAndPlan(component, target, mesh, { observing })).plan);
}

/** The component's mesh-wide observe over these remotes, as core runs it once per pass. */
export function observeMeshOf(component: ComponentInstance, mesh: MeshInputs, targets: readonly ClusterTarget[]): Promise<unknown> | undefined {
  return component.observeMesh?.({ controlPlane: mesh.controlPlane, remotes: targets.map((t) => ({ name: t.name, overrides: t.overrides })) });
}

/** Observes and plans the component's removal from `target`. */
export async function planRemovalOn(component: ComponentInstance, target: ClusterTarget, mesh: MeshInputs): Promise<BoundPlan> {
  return bound(component, target, (await observeAndPlanRemoval(component, target, mesh)).plan);
}

/** The plan as `meshd plan` and /status show it: its display fields (the work apply carries out holds the copies, never shown). */
export function shown(plan: ComponentPlan): string {
  const { work: _work, ...display } = plan;
  return JSON.stringify(display);
}

/** Like the pass: apply when the plan has no error and some change writes; returns the writes. */
export async function applyLikeThePass(plan: BoundPlan): Promise<number> {
  if (plan.error !== undefined || !plan.changes.some((c) => c.op !== 'orphan')) return 0;
  return plan.apply();
}

/** Reads a secret; null when absent. */
export async function readSecret(client: ClusterClient, namespace: string, name: string): Promise<V1Secret | null> {
  try {
    return await client.core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return null;
    throw err;
  }
}

/** Creates a namespace (no-op when it exists). */
export async function ensureNamespace(client: ClusterClient, name: string, labels?: Record<string, string>): Promise<void> {
  try {
    await client.core.createNamespace({ body: { metadata: { name, labels } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/** The decoded data of a secret. */
export function decoded(secret: V1Secret | null): Record<string, string> {
  return Object.fromEntries(Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}
