// The meshes bench:scale measures meshd against: real test clusters (etcd + kube-apiserver +
// kube-controller-manager each) where they fit, the simulated API (bench/sim) beyond.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClusters } from '@meshd/testenv';
import { settledWrites } from '../lib/writes.js';
import type { BenchCluster } from '../lib/workspace.js';
import { startSimFleet } from '../sim/fleet.js';
import type { RequestCounts } from '../sim/store.js';
import { clusterKubeconfigs, createRemoteNamespaces } from '../lib/clusters.js';

/** Application namespaces on every cluster; istio.default of each (and of default) is copied. */
export const APP_NAMESPACES = ['app-1', 'app-2'];

/** A mesh to measure: its clusters (first = control plane), write counts, extra process info. */
export interface ScaleTarget {
  backend: 'real' | 'sim';
  clusters: BenchCluster[];
  /** Write requests each cluster has served so far (settled first on real clusters). */
  writes(): Promise<number[]>;
  /** CPU seconds the simulated API servers' process has used so far (0 for real clusters: separate processes). */
  serverCpuSeconds(): number;
  /** Requests of any kind served so far (reads, watches, writes): simulated clusters only. */
  requests?(): number;
  /** Per cluster (first = control plane): requests and TLS connections served so far; simulated clusters only. */
  counts?(): RequestCounts[];
  stop(): Promise<void>;
}

/** `count` simulated clusters in this process. */
export async function simTarget(count: number): Promise<ScaleTarget> {
  const workDir = await mkdtemp(join(tmpdir(), 'meshd-sim-'));
  const fleet = await startSimFleet({ count, workDir, appNamespaces: APP_NAMESPACES });
  const cpu = (): number => {
    const u = process.resourceUsage();
    return (u.userCPUTime + u.systemCPUTime) / 1e6;
  };
  return {
    backend: 'sim',
    clusters: fleet.clusters,
    writes: () => Promise.resolve(fleet.writes()),
    serverCpuSeconds: cpu,
    counts: () => fleet.counts(),
    requests: () => fleet.clusters.reduce((n, c) => n + c.store.counts.reads + c.store.counts.watches + c.store.counts.writes, 0),
    stop: async () => {
      await fleet.stop();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/** `count` real test clusters, with the application namespaces created on the remotes. */
export async function realTarget(count: number): Promise<ScaleTarget> {
  const env = await startClusters({ count, appNamespaces: APP_NAMESPACES });
  try {
    await createRemoteNamespaces(env, APP_NAMESPACES);
    const clusters = await clusterKubeconfigs(env);
    return { backend: 'real', clusters, writes: () => settledWrites(env.clusters), serverCpuSeconds: () => 0, stop: () => env.stop() };
  } catch (err) {
    await env.stop();
    throw err;
  }
}
