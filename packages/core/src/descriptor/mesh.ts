import type { DirectoryValidation, ValidCluster } from './types.js';

export type { ClusterRole, ValidCluster } from './types.js';

/**
 * What the directory asks for: the mesh meshd converges clusters to. Plain data; the reconcile
 * loop owns the current and last good DesiredMesh and passes the last good one back in.
 */
export interface DesiredMesh {
  controlPlane: ValidCluster;
  /** Remote clusters, sorted by name. */
  remotes: ValidCluster[];
  /** File name → content: every descriptor file in use and the kubeconfigs they name (the registry). */
  registryFiles: Record<string, string>;
  /** The control plane's config.istio.io/pilotEndpoint. */
  pilotEndpoint: string;
}

/**
 * Turns a validation into the desired mesh, never tearing down because of a mistake:
 * - a file with errors keeps the clusters it defined in `lastGood` (rule 2), unless a valid file
 *   now defines a cluster of the same name;
 * - a cluster whose file is gone (and not invalid) is dropped (rule 1);
 * - a directory invalid as a whole (no or two control planes, registry too large), or a merge that
 *   does not yield exactly one control plane, returns `lastGood` unchanged (rule 4), or undefined
 *   when there is none.
 * Pure and deterministic.
 */
export function buildDesiredMesh(validation: DirectoryValidation, lastGood?: DesiredMesh): DesiredMesh | undefined {
  if (validation.directoryErrors.length > 0) return lastGood;
  const invalid = new Set(validation.invalidFiles);
  const names = new Set(validation.clusters.map((c) => c.name));
  const previous = lastGood === undefined ? [] : [lastGood.controlPlane, ...lastGood.remotes];
  const kept = previous.filter((c) => invalid.has(c.file) && !names.has(c.name));
  const clusters = [...validation.clusters, ...kept];
  const controlPlanes = clusters.filter((c) => c.role === 'control-plane');
  const controlPlane = controlPlanes[0];
  if (controlPlanes.length !== 1 || controlPlane === undefined) return lastGood;
  const registryFiles = withKeptFiles(validation.registryFiles, kept, lastGood);
  const remotes = clusters.filter((c) => c.role === 'remote').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { controlPlane, remotes, registryFiles: sortedRecord(registryFiles), pilotEndpoint: controlPlane.pilotEndpoint };
}

/** The registry files plus the descriptor and kubeconfig text of each kept cluster (as last published when known). */
function withKeptFiles(files: Readonly<Record<string, string>>, kept: readonly ValidCluster[], lastGood: DesiredMesh | undefined): Record<string, string> {
  const registryFiles: Record<string, string> = { ...files };
  for (const c of kept) {
    const descriptor = lastGood?.registryFiles[c.file] ?? c.descriptorText;
    registryFiles[c.file] = descriptor;
    registryFiles[c.accessConfigFile] ??= lastGood?.registryFiles[c.accessConfigFile] ?? c.kubeconfigText;
  }
  return registryFiles;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
