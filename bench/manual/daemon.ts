// How fast the daemon follows a Pilot move on its own: `meshd run` on the converged mesh, Pilot
// moved N times; each time, seconds from the move until every remote's istio-pilot Endpoints holds
// the new IP (watch delivery, queueing, the pass and its writes), and the write requests it took.
// There is no manual counterpart: with the script, an operator has to notice first.
import { CoreV1Api } from '@kubernetes/client-node';
import type { TestEnv } from '@meshd/testenv';
import { sleep, startDaemon } from '../lib/daemon.js';
import { settledWrites, totalDelta } from '../lib/writes.js';
import { resetMesh } from './reset.js';
import type { MeshSetup } from './tools.js';

/** One followed move. */
export interface DaemonMove {
  seconds: number;
  writes: number;
}

async function remotesHavePilot(env: TestEnv, ip: string): Promise<boolean> {
  const ips = await Promise.all(
    env.clusters.slice(1).map(async (remote) => {
      try {
        const ep = await remote.kubeConfig().makeApiClient(CoreV1Api).readNamespacedEndpoints({ name: 'istio-pilot', namespace: 'istio-system' });
        return (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
      } catch {
        return [];
      }
    }),
  );
  return ips.every((list) => list.length === 1 && list[0] === ip);
}

async function waitPilot(env: TestEnv, ip: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await remotesHavePilot(env, ip))) {
    if (Date.now() > deadline) throw new Error(`the daemon did not bring Pilot's new IP ${ip} to every remote within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Resets the mesh, starts the daemon, lets it converge, then moves Pilot `moves` times. */
export async function daemonFollowsPilot(env: TestEnv, setup: MeshSetup, moves: number): Promise<DaemonMove[]> {
  await resetMesh(env, setup.secretNamespaces);
  const daemon = await startDaemon(setup.ws);
  try {
    await daemon.ready(120_000);
    await waitPilot(env, await env.controlPlane.podIp('pilot'));
    const results: DaemonMove[] = [];
    for (let i = 0; i < moves; i++) {
      const before = await settledWrites(env.clusters);
      const ip = await env.controlPlane.movePilot();
      const moved = performance.now();
      await waitPilot(env, ip);
      const seconds = (performance.now() - moved) / 1000;
      results.push({ seconds, writes: totalDelta(before, await settledWrites(env.clusters)) });
    }
    return results;
  } finally {
    await daemon.stop();
  }
}
