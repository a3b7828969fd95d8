import { describe, expect, it } from 'vitest';
import type { ClusterClient } from '../cluster/client.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { ClusterTarget, ComponentInstance, ComponentPlan, MeshInputs } from '../plugin/types.js';
import type { ClusterFacts } from '../prereq/facts.js';
import { MeshObservations } from './mesh-observe.js';
import { reconcileMember, type MemberContext, type ProbedCluster } from './remotes.js';
import type { PassConfig } from './types.js';

const client = { name: 'remote-1', server: 'https://192.0.2.10:6443' } as unknown as ClusterClient;
const probe: ProbedCluster = { name: 'remote-1', role: 'remote', client, facts: { gitVersion: 'v1.34.4' } as ClusterFacts };
const controlPlane: ClusterTarget = { name: 'cp', role: 'control-plane', client, overrides: {} };
const mesh: MeshInputs = { controlPlane, endpoints: { pilot: '192.0.2.1', policy: '192.0.2.2', statsd: '192.0.2.3' }, adopt: false, prune: true };
const config = { backend: 'renderer', clusters: {} } as unknown as PassConfig;

/** What the fake carries from observe to apply: its write, as a thunk (a fake's shortcut; a real plugin's work is data). */
type FakeWork = () => Promise<number>;

/** A component whose observe takes a tick, logging `name plan start|end`, and whose apply logs `name apply` and writes `writes`. */
function component(name: string, kind: 'backend' | 'addon', log: string[], writes: number): LoadedPlugin {
  let plans = 0;
  const observe = async (): Promise<ComponentPlan<FakeWork>> => {
    const n = ++plans;
    log.push(`${name} plan ${n} start`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.push(`${name} plan ${n} end`);
    const changes = writes > 0 ? [{ op: 'update' as const, kind: 'Secret', name: 'x' }] : [];
    const apply = (): Promise<number> => {
      log.push(`${name} apply of plan ${n}`);
      return Promise.resolve(writes);
    };
    return { component: name, cluster: 'remote-1', state: writes > 0 ? 'out-of-sync' : 'in-sync', reason: 'r', changes, work: apply };
  };
  const instance: ComponentInstance<ComponentPlan<FakeWork>, FakeWork> = {
    observe,
    plan: (_desired, observed) => observed,
    observeRemoval: observe,
    planRemoval: (_desired, observed) => observed,
    apply: (planned) => planned.work(),
  };
  return { name, kind, order: kind === 'addon' ? 'before-backend' : 'after-backend', needs: [], watches: [], instance: instance };
}

const context = (plugins: LoadedPlugin[], apply: boolean): MemberContext => ({
  plugins,
  config,
  mesh,
  apply: { enabled: apply },
  observations: new MeshObservations(plugins, { controlPlane, remotes: [{ name: 'remote-1', overrides: {} }] }),
});

describe('reconcileMember: plans overlap, writes keep the components’ order', () => {
  it("with nothing to write before it, the backend's plan runs beside the addon's, once", async () => {
    const log: string[] = [];
    const report = await reconcileMember(probe, context([component('secrets', 'addon', log, 0), component('renderer', 'backend', log, 1)], true));
    expect(log.indexOf('renderer plan 1 start')).toBeLessThan(log.indexOf('secrets plan 1 end'));
    expect(log.filter((l) => l.includes('plan') && l.endsWith('start'))).toEqual(['secrets plan 1 start', 'renderer plan 1 start']);
    expect(log.at(-1)).toBe('renderer apply of plan 1');
    expect(report.components.map((c) => [c.component, c.writes])).toEqual([
      ['secrets', 0],
      ['renderer', 1],
    ]);
  });

  it('when an earlier component wrote, the later one plans again after those writes and applies that plan', async () => {
    const log: string[] = [];
    await reconcileMember(probe, context([component('secrets', 'addon', log, 2), component('renderer', 'backend', log, 1)], true));
    // The first plan, made beside the addon's, may still be ending: it is dropped.
    expect(log.slice(log.indexOf('secrets apply of plan 1')).filter((l) => !l.startsWith('renderer plan 1'))).toEqual([
      'secrets apply of plan 1',
      'renderer plan 2 start',
      'renderer plan 2 end',
      'renderer apply of plan 2',
    ]);
  });

  it('plan mode writes nothing, so every plan is made once', async () => {
    const log: string[] = [];
    const report = await reconcileMember(probe, context([component('secrets', 'addon', log, 2), component('renderer', 'backend', log, 1)], false));
    expect(log.filter((l) => l.endsWith('start'))).toEqual(['secrets plan 1 start', 'renderer plan 1 start']);
    expect(log.some((l) => l.includes('apply'))).toBe(false);
    expect(report.state).toBe('changes-pending');
  });
});
