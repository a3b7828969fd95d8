import { describe, expect, it } from 'vitest';
import type { ClusterClient } from '../cluster/client.js';
import { MeshdError } from '../errors.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { ClusterTarget, ComponentInstance, ComponentPlan, MeshInputs, MeshTarget } from '../plugin/types.js';
import type { ClusterFacts } from '../prereq/facts.js';
import { MeshObservations, meshTargetOf } from './mesh-observe.js';
import { reconcileMember, type ProbedCluster } from './remotes.js';
import type { PassConfig } from './types.js';

const cpClient = { name: 'cp', server: 'https://192.0.2.1:6443' } as unknown as ClusterClient;
const controlPlane: ClusterTarget = { name: 'cp', role: 'control-plane', client: cpClient, overrides: {} };
const mesh: MeshInputs = { controlPlane, endpoints: { pilot: '192.0.2.5', policy: '192.0.2.6', statsd: '192.0.2.7' }, adopt: false, prune: true };
const config = { backend: 'renderer', clusters: {} } as unknown as PassConfig;
const REMOTES = ['remote-1', 'remote-2', 'remote-3'];
const meshTarget = meshTargetOf(
  controlPlane,
  REMOTES.map((name) => ({ name })),
  {},
);

function probeOf(name: string): ProbedCluster {
  const client = { name, server: 'https://192.0.2.10:6443' } as unknown as ClusterClient;
  return { name, role: 'remote', client, facts: { gitVersion: 'v1.34.4' } as ClusterFacts };
}

/** What the fake addon saw: its mesh-wide reads, the observation each remote's observe got, its applies. */
interface Seen {
  meshReads: MeshTarget[];
  observedBy: Map<string, unknown>;
  applied: string[];
}

/** Sources as the fake reads them on the control plane: one version of the CA, as a rotation would change it. */
interface FakeSources {
  version: number;
}

type FakeWork = { copies: number } | undefined;

/**
 * An addon whose mesh-wide observe reads `read()` (the control plane's sources) and whose plan
 * writes one copy per remote whose copy is older than the sources.
 */
function addon(seen: Seen, read: () => Promise<FakeSources>, copyVersion = 0): LoadedPlugin {
  const instance: ComponentInstance<{ sources: FakeSources; cluster: string }, FakeWork, undefined, FakeSources> = {
    observeMesh: (target) => {
      seen.meshReads.push(target);
      return read();
    },
    observe: (target, m) => {
      seen.observedBy.set(target.name, m.observed);
      return Promise.resolve({ sources: m.observed, cluster: target.name });
    },
    plan: (_desired, observed): ComponentPlan<FakeWork> => {
      const stale = observed.sources.version > copyVersion;
      const changes = stale ? [{ op: 'update' as const, kind: 'Secret', namespace: 'default', name: 'istio.default' }] : [];
      return {
        component: 'secrets',
        cluster: observed.cluster,
        state: stale ? 'out-of-sync' : 'in-sync',
        reason: `v${observed.sources.version}`,
        changes,
        work: { copies: changes.length },
      };
    },
    observeRemoval: () => Promise.resolve(undefined),
    planRemoval: (desired) => ({ component: 'secrets', cluster: desired.cluster.name, state: 'absent', reason: 'none', changes: [], work: undefined }),
    apply: (plan) => {
      seen.applied.push(plan.cluster);
      return Promise.resolve(plan.work?.copies ?? 0);
    },
  };
  return { name: 'secrets', kind: 'addon', order: 'before-backend', needs: [], watches: [], instance };
}

/** A backend with nothing to do and no mesh-wide observe. */
function quietBackend(): LoadedPlugin {
  const plan = (cluster: string): ComponentPlan => ({
    component: 'renderer',
    cluster,
    state: 'in-sync',
    reason: 'every object matches',
    changes: [],
    work: undefined,
  });
  const instance: ComponentInstance = {
    observe: (target) => Promise.resolve(target.name),
    plan: (_desired, observed) => plan(String(observed)),
    observeRemoval: (target) => Promise.resolve(target.name),
    planRemoval: (_desired, observed) => plan(String(observed)),
    apply: () => Promise.resolve(0),
  };
  return { name: 'renderer', kind: 'backend', order: 'after-backend', needs: [], watches: [], instance };
}

/** One pass's member phase over every remote, as runPass runs it: one MeshObservations, the members concurrently. */
async function memberPhase(plugins: LoadedPlugin[], observations = new MeshObservations(plugins, meshTarget)): ReturnType<typeof reconcileAll> {
  return reconcileAll(plugins, observations);
}

function reconcileAll(plugins: LoadedPlugin[], observations: MeshObservations): Promise<Awaited<ReturnType<typeof reconcileMember>>[]> {
  const ctx = { plugins, config, mesh, apply: { enabled: true }, observations };
  return Promise.all(REMOTES.map((name) => reconcileMember(probeOf(name), ctx)));
}

const fresh = (): Seen => ({ meshReads: [], observedBy: new Map(), applied: [] });

describe('the mesh-wide observe: once per pass, handed to every remote', () => {
  it('a pass over 3 remotes reads the control plane once; each remote plans from that one observation', async () => {
    const seen = fresh();
    const sources = { version: 2 };
    const reports = await memberPhase([addon(seen, () => Promise.resolve(sources), 1), quietBackend()]);
    expect(seen.meshReads).toEqual([meshTarget]);
    expect([...seen.observedBy.values()].every((o) => o === sources)).toBe(true);
    expect([...seen.observedBy.keys()].sort()).toEqual(REMOTES);
    expect(reports.map((r) => [r.name, r.state, r.components[0]?.reason, r.components[0]?.writes])).toEqual(
      REMOTES.map((name) => [name, 'converged', 'v2', 1]),
    );
  });

  it('a failing mesh-wide observe fails that plugin on every remote with its code; nothing observed as empty, nothing written', async () => {
    const seen = fresh();
    const denied = new MeshdError('MESHD_ERR_FORBIDDEN', 'secrets is forbidden: User "meshd" cannot list resource "secrets" on cp');
    const reports = await memberPhase([addon(seen, () => Promise.reject(denied)), quietBackend()]);
    expect(seen.meshReads).toHaveLength(1);
    expect(seen.observedBy.size).toBe(0);
    expect(seen.applied).toEqual([]);
    for (const report of reports) {
      expect(report.components.map((c) => [c.component, c.state, c.error?.code, c.writes])).toEqual([
        ['secrets', 'failed', 'MESHD_ERR_FORBIDDEN', 0],
        ['renderer', 'in-sync', undefined, 0],
      ]);
      expect(report.components[0]?.reason).toBe('could not observe or plan');
      expect(report).toMatchObject({ state: 'failed', lastError: { code: 'MESHD_ERR_FORBIDDEN' } });
    }
  });

  it('start() begins the read before any remote asks; a plugin without observeMesh reads nothing', async () => {
    const seen = fresh();
    const plugins = [addon(seen, () => Promise.resolve({ version: 1 })), quietBackend()];
    const observations = new MeshObservations(plugins, meshTarget);
    observations.start();
    expect(seen.meshReads).toHaveLength(1);
    expect(observations.of(plugins[1]!)).toBeUndefined();
    await memberPhase(plugins, observations);
    expect(seen.meshReads).toHaveLength(1);
  });
});

/** Reads held in flight until released (every one pending), to see who joins them. */
function heldRead(): { read: () => Promise<FakeSources>; release: (s: FakeSources) => void; count: () => number } {
  const pending: ((s: FakeSources) => void)[] = [];
  let reads = 0;
  const read = (): Promise<FakeSources> => {
    reads += 1;
    return new Promise<FakeSources>((resolve) => pending.push(resolve));
  };
  return { read, release: (s) => pending.splice(0).forEach((resolve) => resolve(s)), count: () => reads };
}

describe("the daemon's keys: one remote per pass, one read per round, never an answer older than a key", () => {
  it('keys that started before the read began share it; the CLI (no startedAt) never shares', async () => {
    const seen = fresh();
    const held = heldRead();
    const plugin = addon(seen, held.read);
    const since = performance.now();
    const first = new MeshObservations([plugin], meshTarget, { since }).of(plugin);
    const second = new MeshObservations([plugin], meshTarget, { since }).of(plugin);
    expect(held.count()).toBe(1);
    held.release({ version: 3 });
    expect(await first).toEqual({ version: 3 });
    expect(await second).toEqual({ version: 3 });
    const cli = [new MeshObservations([plugin], meshTarget).of(plugin)!, new MeshObservations([plugin], meshTarget).of(plugin)!];
    expect(held.count()).toBe(3);
    held.release({ version: 5 });
    expect(await Promise.all(cli)).toEqual([{ version: 5 }, { version: 5 }]);
  });

  it('a key that began after a read started (the rotation that enqueued it came later) reads again and gets the rotated sources', async () => {
    const seen = fresh();
    const held = heldRead();
    const plugin = addon(seen, held.read);
    const older = new MeshObservations([plugin], meshTarget, { since: performance.now() }).of(plugin);
    await new Promise((resolve) => setTimeout(resolve, 2));
    const rotated = new MeshObservations([plugin], meshTarget, { since: performance.now() }).of(plugin);
    expect(held.count()).toBe(2);
    held.release({ version: 4 });
    expect(await Promise.all([older, rotated])).toEqual([{ version: 4 }, { version: 4 }]);
  });

  it('nothing is kept once a read settled: the next round reads again', async () => {
    let reads = 0;
    const plugin = addon(fresh(), () => Promise.resolve({ version: ++reads }));
    const since = performance.now();
    expect(await new MeshObservations([plugin], meshTarget, { since }).of(plugin)).toEqual({ version: 1 });
    expect(await new MeshObservations([plugin], meshTarget, { since }).of(plugin)).toEqual({ version: 2 });
  });
});

describe('meshTargetOf', () => {
  it.each([
    { name: 'no overrides', clusters: {}, want: [{ name: 'a', overrides: {} }] },
    { name: "a cluster's settings", clusters: { a: { secrets: { names: ['x'] } } }, want: [{ name: 'a', overrides: { secrets: { names: ['x'] } } }] },
    { name: "another cluster's settings only", clusters: { b: { backend: 'tiller' } }, want: [{ name: 'a', overrides: {} }] },
  ] as { name: string; clusters: PassConfig['clusters']; want: MeshTarget['remotes'] }[])('$name', ({ clusters, want }) => {
    expect(meshTargetOf(controlPlane, [{ name: 'a' }], clusters)).toEqual({ controlPlane, remotes: want });
  });
});
