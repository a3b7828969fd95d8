import { reportError, reportErrorOf } from '../errors.js';
import type { ClusterClient } from '../cluster/client.js';
import type { DesiredMesh, ValidCluster } from '../descriptor/mesh.js';
import type { ObservedRegistry } from '../registry/observe.js';
import { hasRealChanges } from './components.js';
import { filesOf, publishedOf } from './mesh-source.js';
import { planRegistry } from './registry-step.js';
import type { RegistryPlan } from './registry-step.js';
import { journalsOf } from '../state/object-journal.js';

/** Journal owner of the registry objects on the control plane. */
export const REGISTRY_OWNER = 'registry';
import type { ClusterReport, ComponentReport, PassOptions } from './types.js';

/** What decides which clusters the registry lists after this pass. */
export interface PublishInput {
  mesh: DesiredMesh;
  registryMesh: DesiredMesh | undefined;
  members: readonly ClusterReport[];
  removals: readonly ClusterReport[];
  mode: 'plan' | 'apply';
  /** Renames this pass found (any scope): old name → new name. */
  renames?: ReadonlyMap<string, string>;
}

function byName(a: ValidCluster, b: ValidCluster): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Pure: the control plane; every desired remote that is reachable and passed its prerequisites, or
 * was already joined; and every leaving remote whose removal did not (yet) succeed — a cluster is
 * dropped from the registry only once meshd has cleaned it up, so an unreachable one stays listed.
 */
export function publishedClusters({ mesh, registryMesh, members, removals, mode, renames }: PublishInput): ValidCluster[] {
  // A renamed cluster's new name was joined already (under its old one); the old name is gone.
  const joined = new Set([...(registryMesh?.remotes.map((r) => r.name) ?? []), ...(renames?.values() ?? [])]);
  const memberOk = new Set(members.filter((m) => m.reachable && m.state !== 'blocked').map((m) => m.name));
  const done = removals.filter(
    (r) => r.state === 'renamed' || (mode === 'apply' ? r.state === 'removed' : r.reachable && r.state !== 'error' && r.state !== 'held'),
  );
  const gone = new Set([...done.map((r) => r.name), ...(renames?.keys() ?? [])]);
  const remotes = mesh.remotes.filter((r) => memberOk.has(r.name) || joined.has(r.name));
  const kept = (registryMesh?.remotes ?? []).filter((r) => !mesh.remotes.some((m) => m.name === r.name) && !gone.has(r.name));
  return [mesh.controlPlane, ...remotes, ...kept].sort(byName);
}

/** The registry step's connection and observation. */
export interface RegistryTarget {
  cp: ClusterClient;
  observed: ObservedRegistry;
  clusters: ValidCluster[];
  sources: (DesiredMesh | undefined)[];
  /** Names meshd published or remembers; undefined without a state directory. */
  known?: ReadonlySet<string>;
  /** The kubeconfig to publish per cluster (credentialsStep): a cluster the registry carries a kubeconfig for and that is missing here is left out. */
  kubeconfigs: ReadonlyMap<string, string>;
}

/**
 * Pure: the registry entries and ConfigMap files with the credentials chosen for this pass: each
 * published cluster's kubeconfig replaced by `kubeconfigs` (never the operator's own unless the
 * operator mode put it there); a cluster without one is left out (it has no credential yet).
 */
export function withCredentials(
  clusters: readonly ValidCluster[],
  files: Record<string, string>,
  kubeconfigs: ReadonlyMap<string, string>,
  mode: 'configmap' | 'secrets',
): { published: ValidCluster[]; files: Record<string, string> } {
  const carried = (c: ValidCluster): boolean => mode === 'configmap' || c.role === 'remote';
  const published: ValidCluster[] = [];
  const out = { ...files };
  for (const c of clusters) {
    const text = kubeconfigs.get(c.name);
    if (!carried(c)) published.push(c);
    else if (text !== undefined) {
      published.push({ ...c, kubeconfigText: text });
      out[c.accessConfigFile] = text;
    } else {
      delete out[c.accessConfigFile];
      if (mode === 'configmap') delete out[c.file];
    }
  }
  return { published, files: out };
}

/** Plans the registry of this pass's target with the credentials chosen for it; throws what planRegistry throws. */
async function planRegistryFor(opts: PassOptions, t: RegistryTarget): Promise<RegistryPlan> {
  const namespace = opts.config.registry.namespace ?? 'istio-system';
  const chosen = withCredentials(t.clusters, filesOf(t.clusters, t.sources), t.kubeconfigs, opts.config.registry.mode);
  const published = chosen.published.map(publishedOf);
  const journal = journalsOf(opts.state, t.cp.name)?.(REGISTRY_OWNER);
  return planRegistry({
    cp: t.cp,
    mode: opts.config.registry.mode,
    secretUpdate: opts.config.registry.secretUpdate ?? 'recreate',
    namespace,
    published,
    files: chosen.files,
    observed: t.observed,
    adopt: opts.config.adopt,
    restartPilot: opts.config.registry.restartPilot,
    ...(t.known ? { known: t.known } : {}),
    ...(journal ? { journal } : {}),
  });
}

/** Plans the registry and, in apply mode, writes it. Never throws: errors are in the report. */
export async function registryStep(opts: PassOptions, t: RegistryTarget): Promise<ComponentReport> {
  try {
    const plan = await planRegistryFor(opts, t);
    const base = { component: plan.component, state: plan.state, reason: plan.reason, changes: plan.changes, writes: 0 };
    if (plan.error !== undefined) return { ...base, error: reportError(plan.errorCode ?? 'MESHD_ERR_INTERNAL', plan.error) };
    if (opts.mode === 'apply' && hasRealChanges(plan.changes)) base.writes = await plan.apply(opts.signal);
    else if (opts.mode === 'apply') await plan.remember();
    return base;
  } catch (err) {
    return { component: 'registry', state: 'failed', reason: 'could not publish', changes: [], error: reportErrorOf(err), writes: 0 };
  }
}
