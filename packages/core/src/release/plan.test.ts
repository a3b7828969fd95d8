import { describe, expect, it } from 'vitest';
import { MANAGED_BY_LABEL, objectKey } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import { markOwned } from '../plan/objects.js';
import { refOf } from '../kube/object.js';
import type { JournalEntry } from '../plan/journal.js';
import { releaseRefs } from './choose.js';
import { namespacesToInspect, planRelease, planUninstall, refsToObserve } from './plan.js';
import type { ReleasePlanInput } from './plan.js';
import type { InventoryRecord } from './state.js';

const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'istio-pilot', namespace: 'istio-system' } };
const sa: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'istio-citadel', namespace: 'istio-system' } };
const planted: KubeObject = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'planted', namespace: 'istio-system', uid: 'u-planted', labels: { [MANAGED_BY_LABEL]: 'meshd' } },
};
const apps: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', uid: 'u-apps', labels: { [MANAGED_BY_LABEL]: 'meshd' } } };
const live = (o: KubeObject, uid: string): KubeObject => ({ ...markOwned(o), metadata: { ...markOwned(o).metadata, uid } });
const journal = (...pairs: [KubeObject, string | undefined][]): Map<string, JournalEntry> =>
  new Map(pairs.map(([o, uid]) => [objectKey(o), uid === undefined ? { ref: refOf(o) } : { ref: refOf(o), uid }]));
const inventory = (...objs: KubeObject[]): InventoryRecord => ({ release: 'istio-remote', hash: 'h1', phase: 'applied', objects: objs.map(refOf) });
const liveMap = (...pairs: [KubeObject, KubeObject | null][]): Map<string, KubeObject | null> => new Map(pairs.map(([o, l]) => [objectKey(o), l]));
const base = (p: Partial<ReleasePlanInput>): ReleasePlanInput => ({
  release: 'istio-remote',
  namespace: 'istio-system',
  desired: [svc, sa],
  desiredHash: 'h1',
  ensure: [],
  inventory: undefined,
  live: new Map(),
  adopt: false,
  prune: true,
  ...p,
});
const rel = { name: 'istio-remote', namespace: 'istio-system' };
const steps = (actions: { op: string; ref: { kind: string } }[]): string[] => actions.map((a) => `${a.op} ${a.ref.kind}`);

describe('planRelease with the journal', () => {
  it('inventory deleted (L6), release still desired: out-of-sync, nothing deleted, the inventory is rewritten', () => {
    const plan = planRelease(base({ journal: journal([svc, 'u1'], [sa, 'u2']), live: liveMap([svc, live(svc, 'u1')], [sa, live(sa, 'u2')]) }));
    expect(plan.status.state).toBe('out-of-sync');
    expect(steps(plan.actions)).toEqual(['keep ServiceAccount', 'keep Service']);
    expect(plan.journal).toEqual({ record: new Map(), forget: [] });
  });

  it('inventory edited (L7): reported, ignored; only what the journal recorded may go', () => {
    const plan = planRelease(
      base({
        inventoryWarning: 'MESHD_ERR_INVENTORY_TAMPERED: x',
        journal: journal([svc, 'u1'], [sa, 'u2']),
        live: liveMap([svc, live(svc, 'u1')], [sa, live(sa, 'u2')]),
      }),
    );
    expect(plan.status).toEqual({ state: 'drifted', reason: 'MESHD_ERR_INVENTORY_TAMPERED: x' });
    expect(plan.warnings).toEqual(['MESHD_ERR_INVENTORY_TAMPERED: x']);
    expect(steps(plan.actions)).toEqual(['keep ServiceAccount', 'keep Service']);
  });

  it('migration: objects an earlier meshd applied (labelled, not journaled) are recorded with their UIDs', () => {
    const plan = planRelease(base({ inventory: inventory(svc, sa), journal: new Map(), live: liveMap([svc, live(svc, 'u1')], [sa, live(sa, 'u2')]) }));
    expect([...(plan.journal?.record.values() ?? [])].map((e) => e.uid).sort()).toEqual(['u1', 'u2']);
  });

  it('an object no longer rendered is pruned only when the journal recorded it', () => {
    const plan = planRelease(
      base({
        desired: [svc],
        inventory: inventory(svc, sa, planted),
        journal: journal([svc, 'u1'], [sa, 'u2']),
        live: liveMap([svc, live(svc, 'u1')], [sa, live(sa, 'u2')], [planted, planted]),
      }),
    );
    expect(steps(plan.actions)).toEqual(['keep Service', 'orphan ConfigMap', 'delete ServiceAccount']);
  });

  it('without a state directory the inventory decides, as before', () => {
    const plan = planRelease(base({ desired: [svc], inventory: inventory(svc, planted), live: liveMap([svc, live(svc, 'u1')], [planted, planted]) }));
    expect(steps(plan.actions)).toEqual(['keep Service', 'delete ConfigMap']);
    expect(plan.journal).toBeUndefined();
  });
});

describe('planUninstall with the journal', () => {
  it('inventory deleted (L6): everything the journal recorded is removed, a planted look-alike is not listed', () => {
    const plan = planUninstall(rel, {
      inventory: undefined,
      live: liveMap([svc, live(svc, 'u1')], [sa, live(sa, 'u2')]),
      journal: journal([svc, 'u1'], [sa, 'u2']),
    });
    expect(plan.status.state).toBe('removed');
    expect(steps(plan.actions)).toEqual(['delete Service', 'delete ServiceAccount']);
  });

  it('a pending create interrupted by kill -9 is adopted and removed', () => {
    const plan = planUninstall(rel, { inventory: undefined, live: liveMap([svc, live(svc, 'u1')]), journal: journal([svc, undefined]) });
    expect(steps(plan.actions)).toEqual(['delete Service']);
    expect(plan.journal?.record.get(objectKey(svc))?.uid).toBe('u1');
  });

  it('a namespace another owner created is not the release’s to delete, even if an inventory lists it', () => {
    const plan = planUninstall(rel, {
      inventory: inventory(svc, apps),
      live: liveMap([svc, live(svc, 'u1')], [apps, apps]),
      journal: journal([svc, 'u1']),
      namespaceContents: new Map([['apps', []]]),
    });
    expect(steps(plan.actions)).toEqual(['delete Service', 'orphan Namespace']);
  });

  it('nothing journaled and no inventory: nothing installed (in sync: nothing to remove)', () => {
    expect(planUninstall(rel, { inventory: undefined, live: new Map(), journal: new Map() }).status.state).toBe('in-sync');
  });
});

describe('namespacesToInspect: whose contents a pass lists', () => {
  const releaseNamespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } };

  it('never the release namespace that is only ensured (a prerequisite is never deleted), though the pass reads it', () => {
    expect(refsToObserve([svc], [releaseNamespace], inventory(svc), journal([svc, 'u1'])).map((r) => r.name)).toContain('istio-system');
    expect(namespacesToInspect([svc], releaseRefs(inventory(svc), journal([svc, 'u1'])))).toEqual([]);
  });

  it('a namespace the release recorded (journal or inventory) and no longer renders, which the plan may prune', () => {
    expect(namespacesToInspect([svc], releaseRefs(undefined, journal([svc, 'u1'], [apps, 'u-apps'])))).toEqual(['apps']);
    expect(namespacesToInspect([svc], releaseRefs(inventory(svc, apps), undefined))).toEqual(['apps']);
    expect(namespacesToInspect([svc, apps], releaseRefs(inventory(svc, apps), undefined))).toEqual([]);
  });
});
