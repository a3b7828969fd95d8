import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { MeshdError } from '../errors.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { ClusterTarget, ComponentInstance, ComponentPlan, MeshInputs } from '../plugin/types.js';
import { StateStore } from '../state/store.js';
import { runBackend } from './backend-switch.js';
import type { ComponentReport } from './types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const target = { name: 'east', role: 'remote', client: {}, overrides: {} } as unknown as ClusterTarget;
const mesh: MeshInputs = { controlPlane: target, endpoints: { pilot: '192.0.2.10', policy: '192.0.2.11', statsd: '192.0.2.12' }, adopt: false, prune: true };

/** One remote as the fake backends see it: which backend's release is on it, and the failures to inject next. */
interface FakeCluster {
  installed: Set<string>;
  /** Releases a failed install left half done (the next plan repairs them). */
  half: Set<string>;
  failInstall: Set<string>;
  failUninstall: Set<string>;
}

/** What a fake plan carries to its apply: the write, as a thunk (a fake's shortcut; a real plugin's work is data). */
type FakeWork = () => Promise<number>;

function plan(name: string, over: Partial<ComponentPlan<FakeWork>>): ComponentPlan<FakeWork> {
  return { component: name, cluster: 'east', state: 'in-sync', reason: 'every object matches', changes: [], work: () => Promise.resolve(0), ...over };
}

/** A fake's phases: observing makes the whole plan (with its thunk), planning passes it on, applying runs the thunk. */
function phased(observe: () => Promise<ComponentPlan<FakeWork>>, observeRemoval: () => Promise<ComponentPlan<FakeWork>>): ComponentInstance {
  const instance: ComponentInstance<ComponentPlan<FakeWork>, FakeWork> = {
    observe,
    plan: (_desired, observed) => observed,
    observeRemoval,
    planRemoval: (_desired, observed) => observed,
    apply: (planned) => planned.work(),
  };
  return instance;
}

/**
 * A backend over the fake cluster, owning only its own release. A failing install writes half of it
 * (the release is there) and then throws, as a helm install that dies midway does.
 */
function fakeBackend(name: string, cluster: FakeCluster): LoadedPlugin {
  const instance = phased(
    () => {
      if (cluster.installed.has(name) && !cluster.half.has(name)) return Promise.resolve(plan(name, {}));
      const apply = (): Promise<number> => {
        cluster.installed.add(name);
        cluster.half.add(name);
        if (cluster.failInstall.delete(name)) return Promise.reject(new MeshdError('MESHD_ERR_TILLER', `${name}: install failed midway`, { writes: 1 }));
        cluster.half.delete(name);
        return Promise.resolve(1);
      };
      const state = cluster.half.has(name) ? 'failed' : 'absent';
      return Promise.resolve(plan(name, { state, reason: 'not installed', changes: [{ op: 'install', kind: 'Release', name: 'istio-remote' }], work: apply }));
    },
    () => {
      if (cluster.failUninstall.has(name)) return Promise.reject(new MeshdError('MESHD_ERR_TILLER', `${name}: cannot reach its release`));
      if (!cluster.installed.has(name)) return Promise.resolve(plan(name, { state: 'absent', reason: 'nothing installed' }));
      const apply = (): Promise<number> => {
        cluster.half.delete(name);
        return Promise.resolve(cluster.installed.delete(name) ? 1 : 0);
      };
      return Promise.resolve(
        plan(name, {
          state: 'removed',
          reason: 'its descriptor was removed',
          changes: [{ op: 'uninstall', kind: 'Release', name: 'istio-remote' }],
          work: apply,
        }),
      );
    },
  );
  return { name, kind: 'backend', order: 'after-backend', needs: [], watches: [], instance };
}

async function setUp(): Promise<{ state: StateStore; cluster: FakeCluster; backends: LoadedPlugin[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'meshd-switch-'));
  dirs.push(dir);
  const state = await StateStore.open(dir);
  await state.putMember({ name: 'east', role: 'remote', file: 'east.yaml', descriptorText: '', accessConfigFile: 'east.kube.conf', kubeconfigText: '' });
  const cluster: FakeCluster = { installed: new Set(), half: new Set(), failInstall: new Set(), failUninstall: new Set() };
  return { state, cluster, backends: [fakeBackend('helm-template', cluster), fakeBackend('tiller', cluster)] };
}

type Env = Awaited<ReturnType<typeof setUp>>;

/** One pass's backend step on the remote, choosing `chosen`. */
function pass(env: Env, chosen: string, enabled = true): Promise<ComponentReport[]> {
  const plugin = env.backends.find((b) => b.name === chosen)!;
  return runBackend({ plugins: env.backends, target, mesh, apply: { enabled }, state: env.state }, plugin);
}

const summary = (reports: ComponentReport[]): string[] => reports.map((r) => `${r.component}: ${r.state}${r.error ? ` (${r.error.code})` : ''}`);

describe('runBackend: core switches a remote’s backend, in both directions', () => {
  it.each([
    ['helm-template', 'tiller'],
    ['tiller', 'helm-template'],
  ])('%s → %s: the first uninstalls its release, then the second installs, in one pass', async (from, to) => {
    const env = await setUp();
    await pass(env, from);
    expect(env.state.member('east')?.backend).toBe(from);
    const reports = await pass(env, to);
    expect(summary(reports)).toEqual([`${from}: removed`, `${to}: absent`]);
    expect(reports[0]!.reason).toBe(`backend changed from ${from} to ${to}: ${from} uninstalls what it installed, then ${to} installs the release`);
    expect(reports.map((r) => r.writes)).toEqual([1, 1]);
    expect([...env.cluster.installed]).toEqual([to]);
    expect(env.state.member('east')?.backend).toBe(to);
    expect(summary(await pass(env, to))).toEqual([`${to}: in-sync`]);
  });

  it('plan mode shows the uninstall and the chosen backend waiting, and changes nothing (not even the record)', async () => {
    const env = await setUp();
    await pass(env, 'tiller');
    const reports = await pass(env, 'helm-template', false);
    expect(summary(reports)).toEqual(['tiller: removed', 'helm-template: waiting']);
    expect(reports[1]!.reason).toBe('installs the release once tiller has uninstalled it (apply does both in one pass)');
    expect([...env.cluster.installed]).toEqual(['tiller']);
    expect(env.state.member('east')?.backend).toBe('tiller');
  });

  it('a switch that fails halfway (old uninstalled, new install failed) is finished by the next pass, without another uninstall', async () => {
    const env = await setUp();
    await pass(env, 'helm-template');
    env.cluster.failInstall.add('tiller');
    expect(summary(await pass(env, 'tiller'))).toEqual(['helm-template: removed', 'tiller: absent (MESHD_ERR_TILLER)']);
    expect(env.state.member('east')?.backend).toBe('tiller');
    expect(summary(await pass(env, 'tiller'))).toEqual(['tiller: failed']);
    expect([...env.cluster.installed]).toEqual(['tiller']);
    expect(summary(await pass(env, 'tiller'))).toEqual(['tiller: in-sync']);
  });

  it('an uninstall that fails stops the switch: the chosen backend waits, the record keeps the old one, the next pass tries again', async () => {
    const env = await setUp();
    await pass(env, 'tiller');
    env.cluster.failUninstall.add('tiller');
    const reports = await pass(env, 'helm-template');
    expect(summary(reports)).toEqual(['tiller: failed (MESHD_ERR_TILLER)', 'helm-template: waiting']);
    expect(reports[0]!.reason).toMatch(/^backend changed from tiller to helm-template: tiller could not uninstall its release/);
    expect(env.state.member('east')?.backend).toBe('tiller');
    env.cluster.failUninstall.clear();
    expect(summary(await pass(env, 'helm-template'))).toEqual(['tiller: removed', 'helm-template: absent']);
    expect([...env.cluster.installed]).toEqual(['helm-template']);
  });

  it('a chosen backend whose plan fails before writing is not recorded: switching away from it uninstalls nothing', async () => {
    const env = await setUp();
    const failing = {
      ...env.backends[1]!,
      instance: { ...env.backends[1]!.instance, observe: () => Promise.reject(new MeshdError('MESHD_ERR_TILLER', 'no Tiller')) },
    };
    await runBackend({ plugins: env.backends, target, mesh, apply: { enabled: true }, state: env.state }, failing);
    expect(env.state.member('east')?.backend).toBeUndefined();
    expect(summary(await pass(env, 'helm-template'))).toEqual(['helm-template: absent']);
  });

  it('a recorded backend that is no longer registered: the chosen one installs, with a warning that nothing of the old one was uninstalled', async () => {
    const env = await setUp();
    await env.state.putMember({ ...env.state.member('east')!, backend: 'istioctl' });
    const [report] = await pass(env, 'tiller');
    expect(report?.warnings).toEqual([
      'the state directory records backend istioctl as installed here, but no such backend is registered: nothing of it was uninstalled',
    ]);
    expect(env.state.member('east')?.backend).toBe('tiller');
  });

  it('whatever the sequence of choices and failures, a backend with something installed is the one recorded, and a pass without failures leaves only the chosen one', async () => {
    const step = fc.record({ chosen: fc.constantFrom('helm-template', 'tiller'), failInstall: fc.boolean(), failUninstall: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        const env = await setUp();
        for (const s of steps) {
          env.cluster.failInstall = new Set(s.failInstall ? [s.chosen] : []);
          env.cluster.failUninstall = new Set(s.failUninstall ? ['helm-template', 'tiller'] : []);
          const reports = await pass(env, s.chosen);
          for (const installed of env.cluster.installed) expect(env.state.member('east')?.backend).toBe(installed);
          expect(env.cluster.installed.size).toBeLessThanOrEqual(1);
          if (reports.every((r) => r.error === undefined)) expect([...env.cluster.installed]).toEqual([s.chosen]);
        }
      }),
      { numRuns: 30 },
    );
  });
});
