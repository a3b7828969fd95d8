import type { DirectorySnapshot } from '../descriptor/snapshot.js';
import { snapshotFromContents } from '../descriptor/memory-snapshot.js';
import type { DesiredMesh, ValidCluster } from '../descriptor/mesh.js';
import { buildDesiredMesh } from '../descriptor/mesh.js';
import { validateDirectory } from '../descriptor/validate.js';
import type { PublishedCluster } from '../registry/desired.js';
import type { ObservedRegistry } from '../registry/observe.js';
import { filesFromRegistry } from '../registry/read-back.js';

/**
 * Pure: the mesh as the registry on the control plane publishes it — the last good version of every
 * joined cluster, and the only place left to find the kubeconfig of a cluster whose files were
 * deleted. The control plane's own files come from the directory when the registry lacks them
 * (Secret mode publishes remotes only).
 */
export function meshFromRegistry(observed: ObservedRegistry, controlPlane: ValidCluster, dir: DirectorySnapshot): DesiredMesh | undefined {
  const files = filesFromRegistry(observed.owned);
  if (Object.keys(files).length === 0) return undefined;
  for (const name of [controlPlane.file, controlPlane.accessConfigFile]) {
    const f = dir.files[name];
    if (files[name] === undefined && f) files[name] = new TextDecoder().decode(f.bytes);
  }
  // What is in the registry was published already: no size limit applies to reading it back.
  return buildDesiredMesh(validateDirectory(snapshotFromContents(files, { dir: '(registry)' }), { registryMode: 'secrets' }));
}

/** The registry entry of a cluster. */
export function publishedOf(c: ValidCluster): PublishedCluster {
  return { name: c.name, role: c.role, file: c.file, descriptorText: c.descriptorText, accessConfigFile: c.accessConfigFile, kubeconfigText: c.kubeconfigText };
}

/** Pure: the files the ConfigMap mode publishes for these clusters, taken from the meshes that define them. */
export function filesOf(clusters: readonly ValidCluster[], sources: readonly (DesiredMesh | undefined)[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const c of clusters) {
    for (const name of [c.file, c.accessConfigFile]) {
      const text = sources.map((m) => m?.registryFiles[name]).find((t) => t !== undefined);
      if (text !== undefined) files[name] = text;
    }
  }
  return files;
}
