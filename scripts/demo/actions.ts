// What the demo can do to its clusters, each visible on the status page within a second.
import type { TestEnv } from '@meshd/testenv';

/** The demo's actions (`npm run demo -- ACTION [NAME]`, or a key in the demo's terminal). */
export const DEMO_ACTIONS = ['pilot-move', 'rotate', 'drift', 'partition'] as const;

/** One of DEMO_ACTIONS. */
export type DemoAction = (typeof DEMO_ACTIONS)[number];

/** How long `partition` keeps an API server away before it comes back. */
export const PARTITION_MS = 20_000;

/** True when `text` names an action. */
export function isDemoAction(text: string | undefined): text is DemoAction {
  return (DEMO_ACTIONS as readonly string[]).includes(text ?? '');
}

/** A running action's report lines go here (the demo's output). */
export type Say = (text: string) => void;

async function drift(env: TestEnv, name: string, say: Say): Promise<string> {
  const cluster = env.clusters.find((c) => c.name === name);
  if (!cluster || cluster.index === 0)
    throw new Error(
      `drift needs a remote: ${env.clusters
        .slice(1)
        .map((c) => c.name)
        .join(', ')}`,
    );
  const { CoreV1Api } = await import('@kubernetes/client-node');
  const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  const ep = await core.readNamespacedEndpoints({ name: 'istio-pilot', namespace: 'istio-system' });
  for (const subset of ep.subsets ?? []) subset.addresses = [{ ip: '192.0.2.66' }];
  await core.replaceNamespacedEndpoints({ name: 'istio-pilot', namespace: 'istio-system', body: ep });
  say(`drift: someone set ${name}'s Endpoints istio-system/istio-pilot to 192.0.2.66; meshd restores it`);
  return name;
}

const partitioned = new Set<string>();

async function partition(env: TestEnv, name: string, say: Say): Promise<string> {
  const cluster = env.clusters.find((c) => c.name === name);
  if (!cluster) throw new Error(`no cluster ${name}: ${env.clusters.map((c) => c.name).join(', ')}`);
  if (partitioned.has(name)) throw new Error(`${name} is already away`);
  partitioned.add(name);
  await cluster.stopApiServer();
  say(`partition: ${name}'s API server is gone; it comes back in ${PARTITION_MS / 1000} s`);
  setTimeout(() => {
    cluster
      .startApiServer()
      .then(
        () => say(`partition: ${name}'s API server is back`),
        (err: unknown) => say(`partition: ${name} did not come back: ${String(err)}`),
      )
      .finally(() => partitioned.delete(name));
  }, PARTITION_MS).unref();
  return name;
}

/** The cluster `drift` acts on when none is named: the first remote. */
const firstRemoteName = (env: TestEnv): string => env.clusters[1]?.name ?? '';

/** The cluster `partition` acts on when none is named: the last one. */
const lastClusterName = (env: TestEnv): string => env.clusters[env.clusters.length - 1]?.name ?? '';

/**
 * Runs one action on the demo's clusters and says what it did. The clusters have no kubelet, so
 * Pilot "moves" the way the test environment moves it: a new Pod whose status (Running, Ready, a
 * new podIP) is written through the status subresource, then the old Pod deleted with grace 0.
 */
export async function runDemoAction(env: TestEnv, action: DemoAction, name: string | undefined, say: Say): Promise<string> {
  switch (action) {
    case 'pilot-move': {
      const ip = await env.controlPlane.movePilot();
      say(`pilot-move: Pilot now runs at ${ip}; meshd re-renders istio-remote on every remote`);
      return ip;
    }
    case 'rotate': {
      await Promise.all(env.controlPlane.secretNamespaces.map((ns) => env.controlPlane.rotateIstioDefault(ns)));
      say(`rotate: istio.default re-issued in ${env.controlPlane.secretNamespaces.join(', ')}; meshd copies it to the remotes`);
      return 'rotated';
    }
    case 'drift':
      return drift(env, name ?? firstRemoteName(env), say);
    case 'partition':
      return partition(env, name ?? lastClusterName(env), say);
  }
}
