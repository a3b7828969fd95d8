// The mesh-wide observe (issue 14 step 2) on real API servers: the secrets addon's sources are read
// on the control plane once per pass, not once per remote — the one-shot `meshd apply` over 3
// remotes, and the daemon's 3 remote keys of one round (each its own pass, sharing one read) — and a
// rotation on the control plane still reaches every remote. Requests are counted by the control
// plane's kube-apiserver (apiserver_request_total), not by meshd.
import { loadPlugins, runPass } from '@meshd/core';
import { ConnectionPool } from '@meshd/core/cluster';
import { readDirectorySnapshot } from '@meshd/core/descriptor';
import { StateStore } from '@meshd/core/state';
import type { PassOptions, PassReport, PluginDefinition, RendererInstance } from '@meshd/core';
import { captureIo, silentLogger } from '@meshd/testkit';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PLUGINS, loadInvocationConfig } from 'meshd';
import { clientOf, meshd, stateDirOf, useMesh } from './support/mesh.js';

// One remote at a time (`concurrency: 1`): a read joined only while another remote's is in flight
// (how the addon shared its reads before the mesh-wide observe) would happen once per remote here.
const mesh = useMesh({ count: 4, apply: true, config: ['concurrency: 1'] });
const REMOTES = [1, 2, 3];

/** A whole-mesh pass (`meshd apply`) also lists the registry's own secrets in istio-system once (registry/observe.ts). */
const REGISTRY_LISTS = 1;

/** LIST requests for Secrets the control plane's API server has answered so far. */
function secretLists(): Promise<number> {
  return mesh.cp().requestCount({ verbs: ['LIST'], resources: ['secrets'] });
}

/** istio.default's data in `default` on a cluster, decoded. */
async function istioDefaultOn(index: number): Promise<Record<string, string>> {
  const cluster = index === 0 ? mesh.cp() : mesh.remote(index);
  const secret = await clientOf(cluster).core.readNamespacedSecret({ namespace: 'default', name: 'istio.default' });
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

/**
 * Rounds of the daemon's remote keys with one set of plugins (as one daemon keeps them): each round is
 * one `clusters` pass per remote, started together, as the daemon's workers run them after a rotation
 * enqueued every remote (its connection pool shared, each pass's `startedAt` taken when its key left the queue).
 */
async function daemonRounds(definitions: readonly PluginDefinition<unknown>[] = BUILTIN_PLUGINS): Promise<() => Promise<PassReport[]>> {
  const io = captureIo(mesh.ws.root);
  const config = await loadInvocationConfig({ dir: mesh.ws.dir, config: mesh.ws.configPath, io });
  const logger = silentLogger();
  const signal = new AbortController().signal;
  const plugins = loadPlugins(definitions, config, logger, signal);
  const state = await StateStore.open(stateDirOf(mesh.ws));
  const snapshot = await readDirectorySnapshot(config.directory);
  const pool = new ConnectionPool({ signal });
  return () => {
    const started = REMOTES.map(() => performance.now());
    return Promise.all(
      REMOTES.map((i, k) => {
        const options: PassOptions = {
          mode: 'apply',
          part: 'clusters',
          scope: new Set([mesh.remote(i).name]),
          snapshot,
          config,
          plugins,
          logger,
          signal,
          state,
          startedAt: started[k]!,
          connect: (name, kubeconfigText) => pool.connect(name, kubeconfigText),
        };
        return runPass(options);
      }),
    );
  };
}

/** One round of the daemon's remote keys with the built-in plugins (see daemonRounds). */
async function daemonRound(): Promise<PassReport[]> {
  return (await daemonRounds())();
}

describe('the secrets addon reads its sources once per pass', () => {
  it('a no-op `meshd apply` over 3 remotes lists the control plane’s secrets once (beside the registry’s list)', async () => {
    const before = await secretLists();
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await secretLists()) - before).toBe(REGISTRY_LISTS + 1);
  });

  it('a rotation reaches all 3 remotes in one `meshd apply`, which lists the secrets once', async () => {
    const rotated = await mesh.env.controlPlane.rotateIstioDefault('default');
    const before = await secretLists();
    const run = await meshd(mesh.ws, 'apply');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect((await secretLists()) - before).toBe(REGISTRY_LISTS + 1);
    expect(await istioDefaultOn(0)).toEqual(rotated);
    for (const i of REMOTES) expect(await istioDefaultOn(i), `remote-${i}`).toEqual(rotated);
  });

  it('the daemon’s 3 remote keys of one round share one read, and each carries the rotation that enqueued them', async () => {
    const rotated = await mesh.env.controlPlane.rotateIstioDefault('default');
    const before = await secretLists();
    const reports = await daemonRound();
    for (const report of reports) expect(report.converged, JSON.stringify(report.clusters.map((c) => [c.name, c.state, c.lastError]))).toBe(true);
    expect(
      reports.map((r) =>
        r.clusters
          .at(-1)
          ?.components.find((c) => c.component === 'secrets')
          ?.changes.map((c) => `${c.op} ${c.namespace}/${c.name}`),
      ),
    ).toEqual(REMOTES.map(() => ['update default/istio.default']));
    expect((await secretLists()) - before).toBe(1);
    for (const i of REMOTES) expect(await istioDefaultOn(i), `remote-${i}`).toEqual(rotated);
  });
});

/** What the wrapped helm-template renderer saw: its pass-wide reads (the chart directory) and the read each render was handed. */
interface ChartReads {
  reads: number;
  handed: unknown[];
}

/** The built-in plugins, with helm-template's renderer wrapped to count its chart reads (the real renderer does the work). */
function countingChartReads(seen: ChartReads): PluginDefinition<unknown>[] {
  return BUILTIN_PLUGINS.map((def) => {
    if (def.name !== 'helm-template' || def.kind !== 'renderer') return def;
    return {
      ...def,
      create: (ctx): RendererInstance => {
        const renderer = def.create(ctx);
        return {
          observeMesh: (target, signal) => {
            seen.reads += 1;
            return renderer.observeMesh?.(target, signal) ?? Promise.resolve(undefined);
          },
          render: (input) => {
            seen.handed.push(input.mesh.observed);
            return renderer.render(input);
          },
        };
      },
    };
  });
}

describe('the helm renderer reads its chart directory once per pass', () => {
  it('a daemon round of 3 remote keys reads the chart once and hands that read to every render; the next round reads it again', async () => {
    const seen: ChartReads = { reads: 0, handed: [] };
    const round = await daemonRounds(countingChartReads(seen));
    const reports = await round();
    for (const report of reports) expect(report.converged, JSON.stringify(report.clusters.map((c) => [c.name, c.state, c.lastError]))).toBe(true);
    expect(seen.reads).toBe(1);
    expect(seen.handed).toHaveLength(REMOTES.length);
    for (const handed of seen.handed) expect(handed).toEqual({ chartDigest: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    expect(new Set(seen.handed.map((h) => JSON.stringify(h))).size).toBe(1);
    // An edit of the chart is seen by the next pass: the same renderer's next round reads the directory again.
    await round();
    expect(seen.reads).toBe(2);
  });
});
