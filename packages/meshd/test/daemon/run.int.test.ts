// `meshd run` in-process against three real clusters: join, follow Pilot, repair drift, leave, stop.
import { EventEmitter } from 'node:events';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { startClusters, type TestEnv } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until as pollUntil } from '@meshd/testkit';
import { runDaemonInProcess } from './in-process.js';
import { addCluster, clientOf, endpointIps, workspace, type MeshWorkspace } from '../../../../test/support/mesh.js';

let env: TestEnv;
let ws: MeshWorkspace;
let url = '';
let exitCode: Promise<number>;
let logs: string[] = [];
let signals = new EventEmitter();

/** testkit's until, its timeout error ending with the daemon's last log lines. */
const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<{ value: T; ms: number }> =>
  pollUntil(what, probe, { timeoutMs, context: () => `last logs:\n${logs.slice(-15).join('')}` });

interface StatusBody {
  ready: boolean;
  clusters: { name: string; state: string; reachable: boolean }[];
  removed: { name: string }[];
}
const status = async (): Promise<StatusBody> => (await fetch(`${url}/status`)).json() as Promise<StatusBody>;
const clusterState = async (name: string): Promise<string | undefined> => (await status()).clusters.find((c) => c.name === name)?.state;

beforeAll(async () => {
  env = await startClusters({ count: 3 });
  ws = await workspace();
  await addCluster(ws, env.clusters[0]!);
  await addCluster(ws, env.clusters[1]!);
  ({ url, logs, signals, exitCode } = await runDaemonInProcess(ws, 4242, until));
}, 300_000);

afterAll(async () => {
  signals.emit('SIGTERM');
  await exitCode;
  await ws?.cleanup();
  await env?.stop();
});

describe('meshd run against real clusters', () => {
  it('converges the directory it starts with and becomes ready', async () => {
    await until('ready', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 60_000);
    expect(await clusterState('remote-1')).toBe('converged');
    expect(await endpointIps(env.clusters[1]!, 'istio-pilot')).toEqual([await env.controlPlane.podIp('pilot')]);
  });

  it("watches on a remote only what its backend installs: helm-template's Services and Endpoints, not Tiller's as well", async () => {
    // One watch open each (the release engine's, labelled managed-by=meshd); Tiller's watches of
    // heritage=Tiller objects made it two on every remote, whichever backend installed it. What the
    // cluster's own controllers watch is counted on remote-2, not in the mesh yet.
    const open = (cluster: number, resource: string) => env.clusters[cluster]!.openRequestCount({ verbs: ['WATCH'], resources: [resource] });
    const meshdWatches = async (resource: string) => (await open(1, resource)) - (await open(2, resource));
    await until('the watches of remote-1 open', async () => ((await meshdWatches('configmaps')) >= 1 ? true : undefined));
    expect({ services: await meshdWatches('services'), endpoints: await meshdWatches('endpoints'), configmaps: await meshdWatches('configmaps') }).toEqual({
      services: 1,
      endpoints: 1,
      configmaps: 1,
    });
  });

  it('joins a remote whose files are dropped into the directory', async () => {
    await addCluster(ws, env.clusters[2]!);
    const joined = await until('remote-2 converged', async () => ((await clusterState('remote-2')) === 'converged' ? true : undefined));
    console.log(`file dropped → remote converged: ${joined.ms} ms`);
    expect(await endpointIps(env.clusters[2]!, 'istio-pilot')).toEqual([await env.controlPlane.podIp('pilot')]);
  });

  it('follows a Pilot IP change on every remote', async () => {
    const newIp = await env.controlPlane.movePilot();
    const moved = await until('both remotes updated', async () => {
      const ips = await Promise.all(env.clusters.slice(1).map((c) => endpointIps(c, 'istio-pilot')));
      return ips.every((x) => x?.length === 1 && x[0] === newIp) ? true : undefined;
    });
    console.log(`Pilot IP change → all remotes updated: ${moved.ms} ms`);
  });

  it('renders a Pilot move as soon as its new pod is Ready, writing nothing until the old pod goes', async () => {
    const oldIp = await env.controlPlane.podIp('pilot');
    const remotes = env.clusters.slice(1);
    const preparedBefore = logs.filter((l) => l.includes('prepared the renders of a coming endpoint move')).length;
    let whileBothServed: { prepared: Record<string, unknown>; endpoints: (string[] | undefined)[] } | undefined;
    const newIp = await env.controlPlane.movePilot(async () => {
      const { value } = await until('the move prepared', () => {
        const lines = logs.filter((l) => l.includes('prepared the renders of a coming endpoint move'));
        return Promise.resolve(lines.length > preparedBefore ? (JSON.parse(lines.at(-1)!) as Record<string, unknown>) : undefined);
      });
      whileBothServed = { prepared: value, endpoints: await Promise.all(remotes.map((c) => endpointIps(c, 'istio-pilot'))) };
    });
    // Both remotes' renders were made while the old pod still served, and nothing was written then.
    expect(whileBothServed?.prepared).toMatchObject({ component: 'pilot', prepared: 2 });
    expect(whileBothServed?.endpoints).toEqual([[oldIp], [oldIp]]);
    await until('both remotes updated', async () => {
      const ips = await Promise.all(remotes.map((c) => endpointIps(c, 'istio-pilot')));
      return ips.every((x) => x?.length === 1 && x[0] === newIp) ? true : undefined;
    });
  });

  it('renders a Pilot move once its new pod has its IP, before it is Ready, and not again when it turns Ready', async () => {
    const oldIp = await env.controlPlane.podIp('pilot');
    const remotes = env.clusters.slice(1);
    const preparedLines = (): string[] => logs.filter((l) => l.includes('prepared the renders of a coming endpoint move'));
    const before = preparedLines().length;
    let ready = false;
    const moving = env.controlPlane.movePilot(() => void (ready = true), { readyAfterMs: 8000 });
    const { value: prepared } = await until('the move prepared', () =>
      Promise.resolve(preparedLines().length > before ? (JSON.parse(preparedLines().at(-1)!) as Record<string, unknown>) : undefined),
    );
    // Prepared while the new pod was Running at its IP and not Ready yet; nothing written meanwhile.
    expect(ready).toBe(false);
    expect(prepared).toMatchObject({ component: 'pilot', prepared: 2, toReady: false });
    expect(await Promise.all(remotes.map((c) => endpointIps(c, 'istio-pilot')))).toEqual([[oldIp], [oldIp]]);
    const newIp = await moving;
    await until('both remotes updated', async () => {
      const ips = await Promise.all(remotes.map((c) => endpointIps(c, 'istio-pilot')));
      return ips.every((x) => x?.length === 1 && x[0] === newIp) ? true : undefined;
    });
    expect(preparedLines().length).toBe(before + 1);
  });

  it('repairs a meshd-owned Endpoints deleted on a remote', async () => {
    const remote = env.clusters[1]!;
    await clientOf(remote).core.deleteNamespacedEndpoints({ name: 'istio-policy', namespace: 'istio-system' });
    const policy = await env.controlPlane.podIp('policy');
    const repaired = await until('istio-policy repaired', async () => ((await endpointIps(remote, 'istio-policy'))?.[0] === policy ? true : undefined));
    console.log(`drift → repaired: ${repaired.ms} ms`);
    expect(repaired.ms).toBeLessThan(5000);
  });

  it('removes a remote whose descriptor is deleted', async () => {
    await unlink(join(ws.dir, 'remote-2.yaml'));
    await until('remote-2 removed', async () => ((await status()).removed.some((r) => r.name === 'remote-2') ? true : undefined));
    expect(await endpointIps(env.clusters[2]!, 'istio-pilot')).toBeUndefined();
    expect((await status()).clusters.map((c) => c.name)).toEqual(['cp', 'remote-1']);
  });

  it('never shows a cluster token in /status, /metrics or the logs', async () => {
    const bodies = await Promise.all(['/status', '/metrics', '/readyz'].map(async (p) => (await fetch(`${url}${p}`)).text()));
    for (const cluster of env.clusters) {
      for (const body of bodies) expect(body).not.toContain(cluster.token);
      expect(logs.join('')).not.toContain(cluster.token);
    }
  });

  it('stops on SIGTERM with exit code 0', async () => {
    signals.emit('SIGTERM');
    expect(await exitCode).toBe(0);
  });
});
