import type { ClusterClient } from '../cluster/client.js';
import { isUnreachable } from '../cluster/client.js';
import type { ClusterFacts } from '../prereq/facts.js';
import { gatherClusterFacts } from '../prereq/facts.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { MeshInputs } from '../plugin/types.js';
import { componentConverged, componentsFor, runComponent } from './components.js';
import type { ClusterReport, PassConfig } from './types.js';

/** A cluster connection with what its API server said about itself (undefined facts: unreachable). */
export interface ProbedCluster {
  name: string;
  role: 'control-plane' | 'remote';
  client: ClusterClient;
  facts?: ClusterFacts;
  error?: string;
}

/** Asks one cluster for its facts; an unreachable cluster is reported, never treated as empty. */
export async function probeCluster(name: string, role: 'control-plane' | 'remote', client: ClusterClient, signal?: AbortSignal): Promise<ProbedCluster> {
  try {
    return { name, role, client, facts: await gatherClusterFacts(client, signal) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { name, role, client, error: isUnreachable(err) ? `unreachable: ${why}` : why };
  }
}

/** The base report of a probed cluster. */
export function baseReport(p: ProbedCluster): ClusterReport {
  const report: ClusterReport = { name: p.name, role: p.role, server: p.client.server, reachable: p.facts !== undefined, state: 'converged', warnings: [], components: [] };
  if (p.facts) report.version = p.facts.gitVersion;
  if (p.error !== undefined) {
    report.state = 'unreachable';
    report.lastError = p.error;
  }
  return report;
}

/** Runs the backend and addons on one reachable, unblocked remote, in order. */
export async function reconcileMember(
  probe: ProbedCluster,
  plugins: readonly LoadedPlugin[],
  config: PassConfig,
  mesh: MeshInputs,
  apply: { enabled: boolean; signal?: AbortSignal },
): Promise<ClusterReport> {
  const report = baseReport(probe);
  const overrides = config.clusters[probe.name] ?? {};
  const backend = typeof overrides.backend === 'string' ? overrides.backend : config.backend;
  const target = { name: probe.name, role: probe.role, client: probe.client, overrides };
  for (const plugin of componentsFor(plugins, backend)) {
    report.components.push(await runComponent((t, m) => plugin.instance.plan(t, m), plugin.name, target, mesh, apply));
  }
  summarise(report, apply.enabled);
  return report;
}

/** Runs every component's removal on a cluster that left the mesh (reverse order: addons first). */
export async function removeMember(
  probe: ProbedCluster,
  plugins: readonly LoadedPlugin[],
  config: PassConfig,
  mesh: MeshInputs,
  apply: { enabled: boolean; signal?: AbortSignal },
): Promise<ClusterReport> {
  const report = baseReport(probe);
  if (!report.reachable) return report;
  const overrides = config.clusters[probe.name] ?? {};
  const backend = typeof overrides.backend === 'string' ? overrides.backend : config.backend;
  const target = { name: probe.name, role: probe.role, client: probe.client, overrides };
  for (const plugin of componentsFor(plugins, backend).reverse()) {
    report.components.push(await runComponent((t, m) => plugin.instance.planRemoval(t, m), plugin.name, target, mesh, apply));
  }
  summarise(report, apply.enabled);
  if (apply.enabled && report.state === 'converged') report.state = 'removed';
  return report;
}

function summarise(report: ClusterReport, applied: boolean): void {
  const failed = report.components.find((c) => c.error !== undefined);
  if (failed) {
    report.state = 'error';
    report.lastError = `${failed.component}: ${failed.error ?? ''}`;
  } else if (!report.components.every((c) => componentConverged(c, applied))) {
    report.state = 'changes-pending';
  }
}
