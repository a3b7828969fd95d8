import { createHash } from 'node:crypto';
import { choosesServerByPilotIp } from '@meshd/core/credentials';
import type { DesiredMesh, DirectoryValidation } from '@meshd/core/descriptor';
import type { MeshdConfig } from '@meshd/core';

/**
 * Work-queue keys. A remote cluster's key is its name (a DNS label); the registry key contains `@`,
 * which no cluster name can, so it never collides with one.
 */
export const REGISTRY_KEY = '@registry';

/** What a key's pass reconciles: one cluster (only its own components and removal), or the registry. */
export type KeyPass = { part: 'clusters'; scope: ReadonlySet<string> } | { part: 'registry' };

/** The pass a key runs: `@registry` the registry part, any other key the one cluster it names. Pure. */
export function passOfKey(key: string): KeyPass {
  return key === REGISTRY_KEY ? { part: 'registry' } : { part: 'clusters', scope: new Set([key]) };
}

/**
 * Every key (controller-runtime's EnqueueRequestsFromMapFunc for "everything changed"): each remote
 * the directory defines or the daemon still knows (`known`: last good and remembered members, so a
 * cluster that left while meshd was down is removed), sorted, then the registry key last. Pure.
 */
export function everyKey(fingerprint: DirectoryFingerprint | undefined, known: Iterable<string>): string[] {
  const names = new Set(known);
  for (const name of fingerprint?.clusters.keys() ?? []) names.add(name);
  if (fingerprint?.controlPlane !== undefined) names.delete(fingerprint.controlPlane);
  return [...[...names].sort(), REGISTRY_KEY];
}

/** Every remote's key (everyKey without the registry's): what news about the control plane's sources enqueues. Pure. */
export function remoteKeys(fingerprint: DirectoryFingerprint | undefined, known: Iterable<string>): string[] {
  return everyKey(fingerprint, known).filter((k) => k !== REGISTRY_KEY);
}

/**
 * Whether the registry key's pass depends on the control-plane endpoints: only when it publishes, for
 * some cluster (the control plane or a remote), a server chosen by Pilot's IP (several serverEndpoints and no publishedServer
 * override). Otherwise a Pilot move changes nothing the registry writes, and only the remote keys
 * run for it. Without a mesh yet it answers true (nothing is known to rule it out). Pure.
 */
export function registryReadsEndpoints(mesh: DesiredMesh | undefined, clusters: MeshdConfig['clusters']): boolean {
  if (mesh === undefined) return true;
  return [mesh.controlPlane, ...mesh.remotes].some((r) => {
    const override = clusters[r.name]?.publishedServer;
    return choosesServerByPilotIp({ spec: r.spec, override: typeof override === 'string' ? override : undefined });
  });
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
 * The keys a directory change enqueues: every remote whose inputs changed, appeared or left (each
 * key's pass tells whether membership changed, and the daemon then enqueues the registry key); every
 * key (`everyKey`, with `known`) at start-up or when the control plane's inputs changed; the registry
 * key alone when no cluster changed (a file broke or was fixed, so status must show it). A cluster
 * whose file is now invalid is not enqueued (it keeps its last good version, rule 2). Pure.
 */
export function keysForDirectoryChange(before: DirectoryFingerprint | undefined, after: DirectoryFingerprint, known: Iterable<string> = []): string[] {
  if (before === undefined || controlPlaneChanged(before, after))
    return everyKey(
      after,
      [...known, ...(before?.clusters.keys() ?? [])].filter((n) => n !== before?.controlPlane),
    );
  const keys = changedClusterKeys(before, after);
  return keys.size > 0 ? [...keys].sort() : [REGISTRY_KEY];
}

/**
 * Whether two reads of the directory say the same: the same control plane, every cluster's inputs
 * the same, the same files invalid. A read the daemon made for its own sake (a resync, a reload)
 * that finds this enqueues nothing: the keys already reconcile with what it read. Pure.
 */
export function sameDirectory(before: DirectoryFingerprint | undefined, after: DirectoryFingerprint): boolean {
  if (before === undefined || before.controlPlane !== after.controlPlane) return false;
  if (before.clusters.size !== after.clusters.size || before.invalidFiles.size !== after.invalidFiles.size) return false;
  for (const [name, hash] of after.clusters) if (before.clusters.get(name) !== hash) return false;
  return [...after.invalidFiles].every((file) => before.invalidFiles.has(file));
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
