import { connectCluster } from '../cluster/client.js';
import type { ClusterClient } from '../cluster/client.js';
import type { DesiredMesh, ValidCluster } from '../descriptor/mesh.js';
import { buildDesiredMesh } from '../descriptor/mesh.js';
import { validateDirectory } from '../descriptor/validate.js';
import { discoverEndpoints } from '../discovery/discover.js';
import type { MeshEndpoints, MeshInputs } from '../plugin/types.js';
import { checkPrerequisites, prerequisiteError } from '../prereq/check.js';
import { pilotMulticlusterFlags } from '../prereq/pilot-flags.js';
import { observeRegistry } from '../registry/observe.js';
import type { ObservedRegistry } from '../registry/observe.js';
import { mapLimit } from '../util/concurrency.js';
import { hasRealChanges } from './components.js';
import { filesOf, meshFromRegistry, publishedOf } from './mesh-source.js';
import { planRegistry } from './registry-step.js';
import { baseReport, probeCluster, reconcileMember, removeMember } from './remotes.js';
import type { ProbedCluster } from './remotes.js';
import type { ClusterReport, ComponentReport, PassOptions, PassReport } from './types.js';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function discover(opts: PassOptions, cp: ClusterClient, report: PassReport): Promise<MeshEndpoints | undefined> {
  try {
    const d = await discoverEndpoints(cp, opts.config.endpoints, opts.signal);
    return { pilot: d.pilot.ip, policy: d.policy.ip, statsd: d.statsd.ip };
  } catch (err) {
    report.errors.push(message(err));
    return undefined;
  }
}

function prerequisites(opts: PassOptions, cp: ProbedCluster, remotes: readonly ProbedCluster[], joined: ReadonlySet<string>, pilot: Awaited<ReturnType<typeof pilotMulticlusterFlags>> | undefined): ReturnType<typeof checkPrerequisites> {
  const clusters = [cp, ...remotes].flatMap((p) => (p.facts ? [{ name: p.name, facts: p.facts, usesHelm: p.role === 'remote' }] : []));
  const input: Parameters<typeof checkPrerequisites>[0] = { controlPlane: cp.name, clusters, joined };
  if (pilot) input.pilot = pilot;
  if (opts.helm) input.helm = opts.helm;
  return checkPrerequisites(input);
}

/** Reconciles one member; blocked and unreachable clusters are reported and left untouched. */
async function member(opts: PassOptions, probe: ProbedCluster, mesh: MeshInputs, prereq: ReturnType<typeof checkPrerequisites>): Promise<ClusterReport> {
  const warnings = (prereq.findings[probe.name] ?? []).filter((f) => f.severity === 'warning').map((f) => f.message);
  if (!probe.facts) return baseReport(probe);
  const blocked = prerequisiteError(prereq, probe.name);
  if (blocked) return { ...baseReport(probe), state: 'blocked', lastError: blocked.message, warnings };
  const report = await reconcileMember(probe, opts.plugins, opts.config, mesh, { enabled: opts.mode === 'apply', signal: opts.signal });
  report.warnings.push(...warnings);
  return report;
}

function published(mesh: DesiredMesh, registryMesh: DesiredMesh | undefined, members: readonly ClusterReport[], removals: readonly ClusterReport[], mode: 'plan' | 'apply'): ValidCluster[] {
  const joined = new Set(registryMesh?.remotes.map((r) => r.name) ?? []);
  const memberOk = new Set(members.filter((m) => m.reachable && m.state !== 'blocked').map((m) => m.name));
  const gone = new Set(removals.filter((r) => (mode === 'apply' ? r.state === 'removed' : r.reachable && r.state !== 'error')).map((r) => r.name));
  const remotes = mesh.remotes.filter((r) => memberOk.has(r.name) || joined.has(r.name));
  const kept = (registryMesh?.remotes ?? []).filter((r) => !mesh.remotes.some((m) => m.name === r.name) && !gone.has(r.name));
  return [mesh.controlPlane, ...remotes, ...kept].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function registryStep(opts: PassOptions, cp: ClusterClient, observed: ObservedRegistry, clusters: ValidCluster[], sources: (DesiredMesh | undefined)[]): Promise<ComponentReport> {
  const namespace = opts.config.registry.namespace ?? 'istio-system';
  try {
    const plan = await planRegistry({ cp, mode: opts.config.registry.mode, namespace, published: clusters.map(publishedOf), files: filesOf(clusters, sources), observed, adopt: opts.config.adopt });
    const base = { component: plan.component, state: plan.state, reason: plan.reason, changes: plan.changes, writes: 0 };
    if (plan.error !== undefined) return { ...base, error: plan.error };
    if (opts.mode === 'apply' && hasRealChanges(plan.changes)) base.writes = await plan.apply(opts.signal);
    return base;
  } catch (err) {
    return { component: 'registry', state: 'failed', reason: 'could not publish', changes: [], error: message(err), writes: 0 };
  }
}

function finish(report: PassReport): PassReport {
  const all = [...report.clusters.flatMap((c) => c.components), ...(report.registry ? [report.registry] : [])];
  report.changes = all.reduce((n, c) => n + c.changes.filter((x) => x.op !== 'orphan').length, 0);
  report.writes = all.reduce((n, c) => n + c.writes, 0);
  const clustersOk = report.clusters.every((c) => c.state === 'converged' || c.state === 'removed' || (report.mode === 'apply' && c.state === 'changes-pending' && !c.lastError));
  const registryOk = report.registry !== undefined && report.registry.error === undefined;
  report.converged = report.directoryValid && report.errors.length === 0 && clustersOk && registryOk && (report.mode === 'apply' || report.changes === 0);
  return report;
}

/**
 * One reconcile pass over the whole mesh (plan or apply). Level-based: it reads the directory
 * snapshot it is given and the live clusters, and never relies on memory beyond `lastGood`. Never
 * throws for cluster problems: they are in the report. Deletes nothing it cannot prove it owns, and
 * nothing at all on a cluster it cannot reach.
 */
export async function runPass(opts: PassOptions): Promise<PassReport> {
  const validation = validateDirectory(opts.snapshot);
  const report: PassReport = { mode: opts.mode, findings: validation.findings, directoryValid: validation.valid, clusters: [], errors: [], changes: 0, writes: 0, converged: false };
  const cpCluster = validation.clusters.find((c) => c.role === 'control-plane') ?? opts.lastGood?.controlPlane;
  if (!cpCluster) {
    report.errors.push('the directory names no usable control plane: nothing was changed');
    return finish(report);
  }
  const connect = opts.connect ?? ((name: string, kubeconfigText: string) => connectCluster({ name, kubeconfigText, signal: opts.signal }));
  const cp = await probeCluster(cpCluster.name, 'control-plane', connect(cpCluster.name, cpCluster.kubeconfigText), opts.signal);
  const cpReport = baseReport(cp);
  report.controlPlane = cp.name;
  report.clusters.push(cpReport);
  if (!cp.facts) return finish(report);
  let observed: ObservedRegistry;
  try {
    observed = await observeRegistry(cp.client, opts.config.registry.namespace ?? 'istio-system');
  } catch (err) {
    report.errors.push(`cannot read the registry on ${cp.name}: ${message(err)}`);
    return finish(report);
  }
  const registryMesh = meshFromRegistry(observed, cpCluster, opts.snapshot);
  const mesh = buildDesiredMesh(validation, opts.lastGood ?? registryMesh);
  if (!mesh) {
    report.errors.push('the directory is invalid and no last good version exists: nothing was changed');
    return finish(report);
  }
  report.mesh = mesh;
  const endpoints = await discover(opts, cp.client, report);
  if (endpoints) report.endpoints = endpoints;
  const limit = Math.max(1, opts.config.concurrency);
  const inScope = (name: string): boolean => !opts.scope || opts.scope.has(name);
  const probes = await mapLimit(mesh.remotes.filter((r) => inScope(r.name)), limit, (r) => probeCluster(r.name, 'remote', connect(r.name, r.kubeconfigText), opts.signal));
  const pilot = await pilotMulticlusterFlags(cp.client, opts.signal).catch(() => undefined);
  const prereq = prerequisites(opts, cp, probes, new Set(registryMesh?.remotes.map((r) => r.name) ?? []), pilot);
  cpReport.warnings.push(...(prereq.findings[cp.name] ?? []).map((f) => f.message));
  const inputs: MeshInputs = { controlPlane: { name: cp.name, role: 'control-plane', client: cp.client, overrides: {} }, endpoints, adopt: opts.config.adopt, prune: opts.config.prune };
  const members = await mapLimit(probes, limit, (p) => member(opts, p, inputs, prereq));
  const leaving = (registryMesh?.remotes ?? []).filter((r) => inScope(r.name) && !mesh.remotes.some((m) => m.name === r.name) && r.name !== mesh.controlPlane.name);
  const removals = await mapLimit(leaving, limit, async (r) =>
    removeMember(await probeCluster(r.name, 'remote', connect(r.name, r.kubeconfigText), opts.signal), opts.plugins, opts.config, inputs, { enabled: opts.mode === 'apply', signal: opts.signal }),
  );
  report.clusters.push(...members, ...removals);
  report.registry = await registryStep(opts, cp.client, observed, published(mesh, registryMesh, members, removals, opts.mode), [mesh, registryMesh]);
  return finish(report);
}
