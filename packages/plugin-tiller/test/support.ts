// Test support: the tiller backend driven directly (plan → apply) against real clusters and real
// Tillers from @meshd/testenv, plus the Helm 2 client to look at (or tamper with) releases the way
// an operator would.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { connectCluster } from '@meshd/core/cluster';
import type { ClusterClient } from '@meshd/core/cluster';
import { meshdConfigSchemaFor, observeAndPlan, observeAndPlanRemoval, writesOf } from '@meshd/core';
import type { ClusterTarget, ComponentInstance, ComponentPlan, MeshInputs } from '@meshd/core';
import { binaryPaths } from '@meshd/testenv';
import type { ClusterHandle, TestEnv } from '@meshd/testenv';
import { tillerPlugin } from '../src/index.js';
import { parseHistory } from '../src/helm2/parse.js';
import type { ReleaseRevision } from '../src/helm2/parse.js';
import { helm2 as runHelm2, helm2History, silentLogger } from '@meshd/testkit';

/** The repository's own istio-remote chart. */
export const CHART = resolve(import.meta.dirname, '../../../examples/charts/istio-remote');

/** The Helm 2 client `bash tools/build.sh helm2` built. */
export const HELM2 = binaryPaths().helm2 ?? 'helm2-not-built';

/** A plan as the pass makes it (observe, then the pure plan), with the backend's apply of it on its target. */
export type BoundPlan = ComponentPlan & { apply(): Promise<number> };

/** The tiller backend driven the way the pass drives a component: its phases, one cluster at a time. */
export interface TillerDriver {
  instance: ComponentInstance;
  plan(target: ClusterTarget, mesh: MeshInputs): Promise<BoundPlan>;
  planRemoval(target: ClusterTarget, mesh: MeshInputs): Promise<BoundPlan>;
}

/** Drives an instance's phases: observe and plan (core's observeAndPlan), apply bound to the target. */
function driverOf(instance: ComponentInstance): TillerDriver {
  const bound = (target: ClusterTarget, plan: ComponentPlan): BoundPlan => ({ ...plan, apply: async () => writesOf(await instance.apply(plan, target)) });
  return {
    instance,
    plan: async (target, mesh) => bound(target, (await observeAndPlan(instance, target, mesh)).plan),
    planRemoval: async (target, mesh) => bound(target, (await observeAndPlanRemoval(instance, target, mesh)).plan),
  };
}

/**
 * A tiller backend with the repository chart and the test Helm 2 client, its config read as meshd
 * reads meshd.yaml (core's schema with the plugin's keys); `tiller` overrides its tiller block as written there.
 */
export function tillerBackend(tiller: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): TillerDriver {
  const meshd = meshdConfigSchemaFor([tillerPlugin]).parse({
    chart: CHART,
    release: { name: 'istio-remote', namespace: 'istio-system' },
    values: {},
    ...extra,
    tiller: { helmBinary: HELM2, connectTimeout: '5s', timeout: '60s', ...tiller },
  });
  const config = tillerPlugin.configSchema.parse(tillerPlugin.selectConfig(meshd));
  return driverOf(tillerPlugin.create({ logger: silentLogger(), config, signal: new AbortController().signal }));
}

/** A meshd client for a test cluster. */
export function clientOf(cluster: ClusterHandle): ClusterClient {
  return connectCluster({ name: cluster.name, kubeconfigText: readFileSync(cluster.kubeconfigPath, 'utf8') });
}

/** The backend's view of a remote: its Tiller at tillerHost unless overrides say otherwise. */
export function targetOf(cluster: ClusterHandle, overrides: Record<string, unknown> = { tillerHost: cluster.tillerHost }): ClusterTarget {
  return { name: cluster.name, role: 'remote', client: clientOf(cluster), overrides };
}

/** Mesh inputs with the stand-in control plane's current pod IPs. */
export async function meshOf(env: TestEnv, adopt = false): Promise<MeshInputs> {
  const cp = env.clusters[0]!;
  const [pilot, policy, statsd] = await Promise.all([
    env.controlPlane.podIp('pilot'),
    env.controlPlane.podIp('policy'),
    env.controlPlane.podIp('statsd-prom-bridge'),
  ]);
  return {
    controlPlane: { name: cp.name, role: 'control-plane', client: clientOf(cp), overrides: {} },
    endpoints: { pilot, policy, statsd },
    adopt,
    prune: true,
  };
}

/** Runs the Helm 2 client against a remote's Tiller (as an operator would, with a throw-away HELM_HOME). */
export async function helm2(cluster: ClusterHandle, ...args: string[]): Promise<string> {
  return runHelm2({ helm2: HELM2, tillerHost: cluster.tillerHost! }, ...args);
}

/** The release's revisions as Tiller lists them; [] when it has none. */
export async function history(cluster: ClusterHandle, release = 'istio-remote'): Promise<ReleaseRevision[]> {
  const text = await helm2History({ helm2: HELM2, tillerHost: cluster.tillerHost! }, release);
  return text === undefined ? [] : parseHistory(text);
}

/** `REVISION:STATUS` of every revision, oldest first (what `helm history` shows). */
export async function revisions(cluster: ClusterHandle): Promise<string[]> {
  return (await history(cluster)).map((r) => `${r.revision}:${r.status}`);
}

/** The IPs in an Endpoints object, or undefined when it does not exist. */
export async function endpointIps(cluster: ClusterHandle, name: string): Promise<string[] | undefined> {
  try {
    const ep = await clientOf(cluster).core.readNamespacedEndpoints({ name, namespace: 'istio-system' });
    return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
  } catch {
    return undefined;
  }
}

/** Plans and, when the plan has changes, applies; returns the plan and the write operations made. */
export async function converge(backend: TillerDriver, target: ClusterTarget, mesh: MeshInputs): Promise<{ plan: ComponentPlan; writes: number }> {
  const plan = await backend.plan(target, mesh);
  const writes = plan.changes.length > 0 && plan.error === undefined ? await plan.apply() : 0;
  return { plan, writes };
}
