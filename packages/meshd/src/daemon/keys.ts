import { createHash } from 'node:crypto';
import type { DesiredMesh, DirectoryValidation } from '@meshd/core/descriptor';

/**
 * Work-queue keys. A cluster's key is its name (a DNS label); the two special keys contain `@`,
 * which no cluster name can, so they never collide with one.
 */
export const FULL_KEY = '@all';
/** The key that publishes the registry and refreshes directory findings, acting on no cluster. */
export const REGISTRY_KEY = '@registry';

/** The scope a key's pass acts on: undefined is every cluster (FULL_KEY). Pure. */
export function scopeOfKey(key: string): ReadonlySet<string> | undefined {
  if (key === FULL_KEY) return undefined;
  if (key === REGISTRY_KEY) return new Set();
  return new Set([key]);
}

/** What a directory says about each cluster it defines validly: name → fingerprint of its inputs. */
export interface DirectoryFingerprint {
  controlPlane?: string;
  clusters: Map<string, string>;
  /** Files with errors (their clusters keep their last good version). */
  invalidFiles: Set<string>;
  /** Cluster names last seen defined by each file (to tell "file broke" from "cluster removed"). */
  fileOf: Map<string, string>;
}

/** Fingerprints every valid cluster's inputs (role, descriptor and kubeconfig). Pure. */
export function fingerprintDirectory(validation: DirectoryValidation): DirectoryFingerprint {
  const clusters = new Map<string, string>();
  const fileOf = new Map<string, string>();
  let controlPlane: string | undefined;
  for (const c of validation.clusters) {
    const hash = createHash('sha256').update(`${c.role}\0${c.file}\0${c.descriptorText}\0${c.kubeconfigText}`).digest('hex');
    clusters.set(c.name, hash);
    fileOf.set(c.name, c.file);
    if (c.role === 'control-plane') controlPlane = c.name;
  }
  const fp: DirectoryFingerprint = { clusters, invalidFiles: new Set(validation.invalidFiles), fileOf };
  if (controlPlane !== undefined) fp.controlPlane = controlPlane;
  return fp;
}

/**
 * The keys a directory change enqueues: every cluster whose inputs changed, appeared or left; all
 * clusters (FULL_KEY) when the control plane's inputs changed; the registry key alone when no
 * cluster changed (a file broke or was fixed, so status must show it). A cluster whose file is now
 * invalid is not enqueued (it keeps its last good version, rule 2). Pure.
 */
export function keysForDirectoryChange(before: DirectoryFingerprint | undefined, after: DirectoryFingerprint): string[] {
  if (before === undefined || controlPlaneChanged(before, after)) return [FULL_KEY];
  const keys = changedClusterKeys(before, after);
  return keys.size > 0 ? [...keys].sort() : [REGISTRY_KEY];
}

/** Whether the control plane is another cluster, or its inputs changed. Pure. */
function controlPlaneChanged(before: DirectoryFingerprint, after: DirectoryFingerprint): boolean {
  if (before.controlPlane !== after.controlPlane) return true;
  const cp = after.controlPlane;
  return cp !== undefined && before.clusters.get(cp) !== after.clusters.get(cp);
}

/** Clusters whose inputs changed or appeared, and those removed (not those whose file is now invalid). Pure. */
function changedClusterKeys(before: DirectoryFingerprint, after: DirectoryFingerprint): Set<string> {
  const keys = new Set<string>();
  for (const [name, hash] of after.clusters) if (before.clusters.get(name) !== hash) keys.add(name);
  for (const name of before.clusters.keys()) {
    if (after.clusters.has(name)) continue;
    const file = before.fileOf.get(name);
    if (file === undefined || !after.invalidFiles.has(file)) keys.add(name);
  }
  return keys;
}

/** The remote cluster keys of a mesh, sorted. Pure. */
export function remoteKeys(mesh: DesiredMesh | undefined): string[] {
  return mesh ? mesh.remotes.map((r) => r.name).sort() : [];
}
