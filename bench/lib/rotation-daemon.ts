// Daemon mode of bench/secret-rotation.ts: `meshd run` (its own process) follows istio.default
// rotations on the control plane; measures rotation written → every copy on every remote updated.
import type { ClusterClient } from '@meshd/core/cluster';
import { binaryPaths, type TestEnv } from '@meshd/testenv';
import { ensureBuilt, startDaemonProcess, until } from '@meshd/testkit';
import { msUntil, waitIdle } from './latency.js';
import { createWorkspace, meshdConfigText } from './workspace.js';
import { clusterKubeconfigs } from './clusters.js';

/** What the daemon mode measured. */
export interface DaemonRotationRun {
  /** ms from the last source replaced to every copy equal to its source, one per rotation. */
  latencies: number[];
  readyMs: number;
  /** Warning and error lines the daemon logged. */
  daemonWarnings: number;
}

/** True when every remote's copy of istio.default in every namespace holds its source's data. */
async function copiesFollow(cp: ClusterClient, remotes: readonly ClusterClient[], namespaces: readonly string[]): Promise<boolean> {
  const sources = await Promise.all(
    namespaces.map(async (namespace) => JSON.stringify((await cp.core.readNamespacedSecret({ namespace, name: 'istio.default' })).data)),
  );
  const copies = await Promise.all(
    remotes.flatMap((r) =>
      namespaces.map(async (namespace, i) => JSON.stringify((await r.core.readNamespacedSecret({ namespace, name: 'istio.default' })).data) === sources[i]),
    ),
  );
  return copies.every(Boolean);
}

/** Options of rotationsWithDaemon. */
export interface DaemonRotationOptions {
  env: TestEnv;
  /** Clients of env.clusters, in order (the control plane first). */
  clients: readonly ClusterClient[];
  namespaces: readonly string[];
  rotations: number;
  pollMs: number;
}

/**
 * Starts `meshd run` on the environment (secrets: istio.default in `namespaces`, which must exist on
 * every remote), waits until the copies follow their sources, then rotates every source `rotations`
 * times and times each rotation's propagation, polling every `pollMs`.
 */
export async function rotationsWithDaemon(options: DaemonRotationOptions): Promise<DaemonRotationRun> {
  const { env, clients, namespaces, rotations, pollMs } = options;
  ensureBuilt();
  const [cp, ...remotes] = clients as [ClusterClient, ...ClusterClient[]];
  const clusters = await clusterKubeconfigs(env);
  const ws = await createWorkspace(clusters, meshdConfigText({ helm: binaryPaths().helm, secretNamespaces: namespaces }));
  const daemon = await startDaemonProcess({ dir: ws.dir, config: ws.configPath });
  try {
    const readyMs = await daemon.waitReady();
    await until('the first copies', async () => ((await copiesFollow(cp, remotes, namespaces)) ? true : undefined), {
      timeoutMs: 60_000,
      context: () => daemon.tail(),
    });
    await waitIdle(daemon);
    const latencies: number[] = [];
    for (let i = 1; i <= rotations; i++) {
      await Promise.all(namespaces.map((ns) => env.controlPlane.rotateIstioDefault(ns)));
      latencies.push(await msUntil(`rotation ${i} on every remote`, () => copiesFollow(cp, remotes, namespaces), pollMs));
      await waitIdle(daemon);
    }
    return { latencies, readyMs, daemonWarnings: daemon.records().filter((r) => Number(r.level) >= 40).length };
  } finally {
    await daemon.stop();
    await ws.cleanup();
  }
}
