import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { actionWrites, NEXT_STEP } from '@meshd/core/release';
import { objectKey } from '@meshd/core/kube';
import type { ReleaseState } from '@meshd/core/release';
import type { KubeObject } from '@meshd/core/kube';
import { TILLER_STATUSES, type ReleaseRevision, type TillerStatus } from './helm2/parse.js';
import type { TillerObservation } from './observe.js';
import { planTillerRelease } from './plan.js';
import type { TillerPlanInput } from './steps.js';
import { tillerPrerequisites } from './prerequisites.js';
import type { TillerStep } from './steps.js';

// Builders (helm-controller's testutil style): objects, live copies, revisions, observations.
const service = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'istio-system' },
  spec: { clusterIP: 'None', ports: [{ name: 'grpc', port: 15010 }] },
});
const endpoints = (name: string, ip: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name, namespace: 'istio-system' },
  subsets: [{ addresses: [{ ip }], ports: [{ name: 'grpc', port: 15010 }] }],
});
const DESIRED = [service('istio-pilot'), endpoints('istio-pilot', '203.0.113.5')];

/** What the API server returns for an object Tiller created: the same fields plus server-set ones. */
const asLive = (o: KubeObject, labels: Record<string, string> = { heritage: 'Tiller' }): KubeObject => ({
  ...structuredClone(o),
  metadata: { ...o.metadata, uid: 'u', resourceVersion: '7', labels },
});
const liveMap = (objects: (KubeObject | null)[]): Map<string, KubeObject | null> => new Map(DESIRED.map((d, i) => [objectKey(d), objects[i] ?? null]));
const LIVE_OK = liveMap(DESIRED.map((o) => asLive(o)));
const NOTHING = liveMap([]);

const rev = (revision: number, status: TillerStatus, description = ''): ReleaseRevision => ({ revision, status, chart: 'istio-remote-0.8.0', description });
function found(revisions: ReleaseRevision[], latestHash: string | undefined, lastGood?: { revision: number; hash: string | undefined }): TillerObservation {
  return { tiller: 'found', release: { revisions, latestHash, owned: latestHash !== undefined, lastGood } };
}

function input(observation: TillerObservation, overrides: Partial<TillerPlanInput> = {}): TillerPlanInput {
  return {
    cluster: 'east',
    release: 'istio-remote',
    namespace: 'istio-system',
    desiredHash: 'h1',
    desired: DESIRED,
    live: LIVE_OK,
    observation,
    adopt: false,
    ...overrides,
  };
}

const ops = (steps: TillerStep[]): string[] =>
  steps.map((s) =>
    s.op === 'upgrade'
      ? `upgrade(rollback ${s.rollbackTo ?? '-'})`
      : s.op === 'install'
        ? `install${s.replace ? '(replace)' : ''}`
        : s.op === 'rollback'
          ? `rollback(${s.revision})`
          : s.op,
  );

describe('planTillerRelease: one state, one sequence of steps', () => {
  const cases: { name: string; in: TillerPlanInput; state: ReleaseState; steps: string[] }[] = [
    { name: 'no release', in: input(found([], undefined), { live: NOTHING }), state: 'absent', steps: ['install'] },
    {
      name: 'deleted without --purge',
      in: input(found([rev(1, 'SUPERSEDED'), rev(2, 'DELETED')], 'h0'), { live: NOTHING }),
      state: 'absent',
      steps: ['install(replace)'],
    },
    {
      name: 'deployed, same hash, objects intact (server fields and extra labels allowed)',
      in: input(found([rev(1, 'DEPLOYED')], 'h1')),
      state: 'in-sync',
      steps: [],
    },
    {
      name: 'deployed, chart or values changed',
      in: input(found([rev(1, 'SUPERSEDED'), rev(2, 'DEPLOYED')], 'h0')),
      state: 'out-of-sync',
      steps: ['upgrade(rollback 2)'],
    },
    {
      name: 'an object was deleted',
      in: input(found([rev(3, 'DEPLOYED')], 'h1'), { live: liveMap([asLive(DESIRED[0]!), null]) }),
      state: 'drifted',
      steps: ['upgrade(rollback 3)'],
    },
    {
      name: 'an object was edited',
      in: input(found([rev(3, 'DEPLOYED')], 'h1'), { live: liveMap([asLive(DESIRED[0]!), asLive(endpoints('istio-pilot', '192.0.2.77'))]) }),
      state: 'drifted',
      steps: ['delete', 'upgrade(rollback 3)'],
    },
    {
      name: 'last upgrade failed',
      in: input(found([rev(1, 'DEPLOYED'), rev(2, 'FAILED', 'timed out')], 'h0', { revision: 1, hash: 'h0' })),
      state: 'failed',
      steps: ['upgrade(rollback 1)'],
    },
    {
      name: 'last upgrade failed after patching an object',
      in: input(found([rev(1, 'DEPLOYED'), rev(2, 'FAILED')], 'h0', { revision: 1, hash: 'h0' }), {
        live: liveMap([asLive(DESIRED[0]!), asLive(endpoints('istio-pilot', '192.0.2.250'))]),
      }),
      state: 'failed',
      steps: ['delete', 'upgrade(rollback 1)'],
    },
    { name: 'first install failed', in: input(found([rev(1, 'FAILED')], 'h1')), state: 'failed', steps: ['purge', 'install'] },
    {
      name: 'Tiller died mid-upgrade, previous revision is what we want',
      in: input(found([rev(4, 'DEPLOYED'), rev(5, 'PENDING_UPGRADE')], 'h2', { revision: 4, hash: 'h1' })),
      state: 'failed',
      steps: ['rollback(4)'],
    },
    {
      name: 'Tiller died mid-upgrade, values changed since',
      in: input(found([rev(4, 'DEPLOYED'), rev(5, 'PENDING_UPGRADE')], 'h1', { revision: 4, hash: 'h0' })),
      state: 'failed',
      steps: ['rollback(4)', 'upgrade(rollback 4)'],
    },
    {
      name: 'Tiller died mid-upgrade after patching an object',
      in: input(found([rev(4, 'DEPLOYED'), rev(5, 'PENDING_UPGRADE')], 'h2', { revision: 4, hash: 'h1' }), {
        live: liveMap([asLive(DESIRED[0]!), asLive(endpoints('istio-pilot', '192.0.2.251'))]),
      }),
      state: 'failed',
      steps: ['delete', 'rollback(4)'],
    },
    { name: 'Tiller died mid-install', in: input(found([rev(1, 'PENDING_INSTALL')], 'h1')), state: 'failed', steps: ['purge', 'install'] },
    { name: 'a delete was interrupted', in: input(found([rev(2, 'DELETING')], 'h1')), state: 'failed', steps: ['purge', 'install'] },
    {
      name: 'meshd installed it, an operator upgraded it by hand',
      in: input({
        tiller: 'found',
        release: { revisions: [rev(1, 'SUPERSEDED'), rev(2, 'DEPLOYED')], latestHash: undefined, owned: true, lastGood: undefined },
      }),
      state: 'out-of-sync',
      steps: ['upgrade(rollback 2)'],
    },
    {
      name: 'adopting a release meshd did not install',
      in: input(found([rev(1, 'DEPLOYED')], undefined), { adopt: true }),
      state: 'out-of-sync',
      steps: ['upgrade(rollback 1)'],
    },
  ];
  it.each(cases)('$name → $state → $steps', (c) => {
    const plan = planTillerRelease(c.in);
    expect(plan.status.state).toBe(c.state);
    expect(ops(plan.steps)).toEqual(c.steps);
    expect(plan.error).toBeUndefined();
    expect(NEXT_STEP[plan.status.state]).toBe(
      { absent: 'install', 'in-sync': 'none', 'out-of-sync': 'upgrade', drifted: 'repair', failed: 'retry' }[c.state as string],
    );
  });

  it('an edited object is deleted before the upgrade, which re-creates it from the release', () => {
    const plan = planTillerRelease(
      input(found([rev(3, 'DEPLOYED')], 'h1'), { live: liveMap([asLive(DESIRED[0]!), asLive(endpoints('istio-pilot', '192.0.2.77'))]) }),
    );
    expect(plan.steps[0]).toEqual({ op: 'delete', ref: { apiVersion: 'v1', kind: 'Endpoints', namespace: 'istio-system', name: 'istio-pilot' } });
    expect(plan.status.reason).toBe('1 object(s) differ from revision 3: Endpoints/istio-pilot changed');
    expect(plan.objectChanges).toEqual(['changes Endpoints/istio-pilot (.subsets)']);
  });

  it('a release meshd did not install is reported, not touched', () => {
    const plan = planTillerRelease(input(found([rev(1, 'DEPLOYED')], undefined)));
    expect([plan.status.state, plan.steps]).toEqual(['unmanaged', []]);
    expect(plan.error).toBe(
      'release istio-remote exists in Tiller (revision 1, DEPLOYED) but meshd did not install it: its values carry no meshd.hash (set adopt: true to take it over)',
    );
  });

  it('objects of the release that exist outside Tiller block the install, even with adopt', () => {
    const live = liveMap([asLive(DESIRED[0]!, { owner: 'someone' }), null]);
    for (const adopt of [false, true]) {
      const plan = planTillerRelease(input(found([], undefined), { live, adopt }));
      expect([plan.status.state, plan.steps]).toEqual(['unmanaged', []]);
      expect(plan.error).toMatch(/^Service\/istio-pilot already exist\(s\) outside Tiller release istio-remote: Helm 2 cannot take objects over/);
    }
  });

  it('objects meshd applied another way block the install too: uninstalling another backend’s release is core’s switch, not this plan’s', () => {
    const live = liveMap(DESIRED.map((o) => asLive(o, { 'app.kubernetes.io/managed-by': 'meshd' })));
    const plan = planTillerRelease(input(found([], undefined), { live }));
    expect([plan.status.state, plan.steps]).toEqual(['unmanaged', []]);
    expect(plan.error).toMatch(/already exist\(s\) outside Tiller release istio-remote/);
  });
});

describe('Tiller itself and its prerequisites (tiller.ensure)', () => {
  const prerequisites = (present: boolean, tillerDeployed: boolean | undefined) => {
    const objects = tillerPrerequisites('kube-system');
    return { objects, live: new Map(objects.map((o) => [objectKey(o), present ? asLive(o) : null])), tillerDeployed };
  };
  const missing: TillerObservation = { tiller: 'missing', reason: 'could not find tiller' };

  it('creates absent prerequisites first, even when the release is in sync', () => {
    const plan = planTillerRelease(input(found([rev(1, 'DEPLOYED')], 'h1'), { prerequisites: prerequisites(false, undefined) }));
    expect(plan.status.state).toBe('in-sync');
    expect(plan.steps.map((s) => (s.op === 'create' ? `create ${s.object.kind}` : s.op))).toEqual(['create ServiceAccount', 'create ClusterRoleBinding']);
    expect(planTillerRelease(input(found([rev(1, 'DEPLOYED')], 'h1'), { prerequisites: prerequisites(true, undefined) })).steps).toEqual([]);
  });

  it('installs Tiller (helm init) when no Tiller answers and none is deployed, then the release', () => {
    const plan = planTillerRelease(input(missing, { live: NOTHING, prerequisites: prerequisites(false, false) }));
    expect(plan.status.state).toBe('absent');
    expect(ops(plan.steps)).toEqual(['create', 'create', 'install-tiller', 'install']);
  });

  it('reports a deployed Tiller without a ready pod', () => {
    const plan = planTillerRelease(input(missing, { prerequisites: prerequisites(true, true) }));
    expect(plan.error).toBe('Deployment kube-system/tiller-deploy exists but helm finds no ready Tiller pod (could not find tiller)');
    expect(plan.steps).toEqual([]);
  });

  it('without ensure, says how to give meshd a Tiller', () => {
    const plan = planTillerRelease(input(missing));
    expect([plan.status.state, plan.steps]).toEqual(['failed', []]);
    expect(plan.error).toContain('set tiller.ensure: true to install it, or clusters.east.tillerHost to reach one outside the cluster');
  });
});

describe("a PENDING_* revision: another client's lock while it is young, an interrupted operation once the lease lapsed", () => {
  const T = Date.UTC(2026, 11, 2, 21, 0, 0);
  const LEASE = 300_000;
  const pending = (status: TillerStatus, ageMs: number | undefined): TillerObservation => ({
    tiller: 'found',
    release: {
      revisions: [rev(4, 'DEPLOYED'), { ...rev(5, status), ...(ageMs === undefined ? {} : { updated: T - ageMs }) }],
      latestHash: 'h2',
      owned: true,
      lastGood: { revision: 4, hash: 'h1' },
      observedAt: T,
    },
  });
  it.each([
    { status: 'PENDING_UPGRADE', age: 0, state: 'locked' },
    { status: 'PENDING_INSTALL', age: LEASE - 1000, state: 'locked' },
    { status: 'PENDING_ROLLBACK', age: 1000, state: 'locked' },
    { status: 'PENDING_UPGRADE', age: LEASE, state: 'failed' },
    { status: 'PENDING_ROLLBACK', age: 3_600_000, state: 'failed' },
    { status: 'PENDING_UPGRADE', age: undefined, state: 'failed' },
  ] as const)('$status written $age ms before → $state', ({ status, age, state }) => {
    const plan = planTillerRelease(input(pending(status, age), { pendingLeaseMs: LEASE }));
    expect([plan.status.state, plan.action]).toEqual([state, NEXT_STEP[state]]);
    if (state === 'locked') {
      expect(plan.steps).toEqual([]);
      expect(plan.error).toBe(
        `revision 5 is ${status} since ${new Date(T - (age ?? 0)).toISOString()}: another client's operation holds the release; nothing written (taken as interrupted 300 s after it started)`,
      );
    } else {
      expect(ops(plan.steps)).toEqual(['rollback(4)']);
      expect(plan.error).toBeUndefined();
    }
  });

  it('without a lease (a caller that gives none) a PENDING_* revision is never locked', () => {
    expect(planTillerRelease(input(pending('PENDING_UPGRADE', 0))).status.state).toBe('failed');
  });

  it('FAILED, SUPERSEDED or DEPLOYED latest revisions are never locked, however young', () => {
    for (const status of ['FAILED', 'SUPERSEDED', 'DEPLOYED'] as const) {
      expect(planTillerRelease(input(pending(status, 0), { pendingLeaseMs: LEASE })).status.state).not.toBe('locked');
    }
  });
});

describe("core's table: every Tiller plan's action is the one NEXT_STEP gives its state", () => {
  const statuses: readonly TillerStatus[] = TILLER_STATUSES;
  it('holds for every latest status, hash, ownership, adopt, live objects and pending age', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...statuses),
        fc.constantFrom('h1', 'h2', undefined),
        fc.boolean(),
        fc.constantFrom(LIVE_OK, NOTHING),
        fc.integer({ min: 0, max: 600_000 }),
        (status, latestHash, adopt, live, age) => {
          const observation: TillerObservation = {
            tiller: 'found',
            release: {
              revisions: [rev(1, 'SUPERSEDED'), { ...rev(2, status), updated: 1_000_000 }],
              latestHash,
              owned: latestHash !== undefined,
              lastGood: undefined,
              observedAt: 1_000_000 + age,
            },
          };
          const plan = planTillerRelease(input(observation, { adopt, live, pendingLeaseMs: 300_000 }));
          expect(plan.action).toBe(NEXT_STEP[plan.status.state]);
          const writesRelease = plan.steps.some((s) => s.op !== 'create');
          expect(writesRelease).toBe(actionWrites(plan.action) && plan.error === undefined);
        },
      ),
    );
  });
});
