import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { objectKey, refKey, refOf } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import type { JournalEntry } from '../plan/journal.js';
import { isWrite, markOwned } from '../plan/objects.js';
import { chooseReleaseState, liveHold } from './choose.js';
import type { ReleaseDesire, ReleaseObservation } from './choose.js';
import { planRelease, planUninstall } from './plan.js';
import type { ReleasePlanInput } from './plan.js';
import { actionWrites, NEXT_STEP } from './state.js';
import type { InventoryRecord, ReleaseHold, ReleaseState } from './state.js';

const NOW = 1_800_000_000_000;
const svc = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'istio-system' },
  spec: { ports: [{ port: 15010 }] },
});
const owned = (o: KubeObject, uid = `uid-${o.metadata.name}`): KubeObject => ({ ...markOwned(o), metadata: { ...markOwned(o).metadata, uid } });
const foreign = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, uid: 'foreign', labels: { team: 'other' } } });
const edited = (o: KubeObject): KubeObject => ({ ...owned(o), spec: { ports: [{ port: 1 }] } });
const inv = (hash: string, phase: InventoryRecord['phase'] = 'applied', hold?: ReleaseHold): InventoryRecord => ({
  release: 'istio-remote',
  hash,
  phase,
  objects: [refOf(svc('a'))],
  ...(hold ? { hold } : {}),
});
const hold = (p: Partial<ReleaseHold> = {}): ReleaseHold => ({ writer: 'other', host: 'bastion', pid: 7, until: NOW + 60_000, ...p });
const desire: ReleaseDesire = { objects: [svc('a')], hash: 'h1', adopt: false, prune: true, writer: 'me' };
const seen = (live: KubeObject | null, p: Partial<ReleaseObservation> = {}): ReleaseObservation => ({
  inventory: undefined,
  live: new Map([[objectKey(svc('a')), live]]),
  observedAt: NOW,
  ...p,
});

describe('chooseReleaseState: the state is chosen from what was observed', () => {
  const cases: { name: string; desire?: Partial<ReleaseDesire>; observed: ReleaseObservation; state: ReleaseState }[] = [
    { name: 'nothing installed', observed: seen(null), state: 'absent' },
    { name: 'objects without an inventory', observed: seen(owned(svc('a'))), state: 'out-of-sync' },
    { name: 'same revision, objects intact', observed: seen(owned(svc('a')), { inventory: inv('h1') }), state: 'in-sync' },
    { name: 'values changed', observed: seen(owned(svc('a')), { inventory: inv('h0') }), state: 'out-of-sync' },
    { name: 'an object was edited', observed: seen(edited(svc('a')), { inventory: inv('h1') }), state: 'drifted' },
    { name: 'an object was deleted', observed: seen(null, { inventory: inv('h1') }), state: 'drifted' },
    { name: 'a distrusted inventory', observed: seen(owned(svc('a')), { inventoryWarning: 'MESHD_ERR_INVENTORY_TAMPERED: x' }), state: 'drifted' },
    { name: 'a same-named object is not ours', observed: seen(foreign(svc('a')), { inventory: inv('h1') }), state: 'unmanaged' },
    { name: 'a crashed pass (no hold: an earlier meshd)', observed: seen(owned(svc('a')), { inventory: inv('h1', 'applying') }), state: 'failed' },
    { name: 'a pass of mine stopped', observed: seen(owned(svc('a')), { inventory: inv('h1', 'applying', hold({ writer: 'me' })) }), state: 'failed' },
    { name: 'a hold that lapsed', observed: seen(owned(svc('a')), { inventory: inv('h1', 'applying', hold({ until: NOW })) }), state: 'failed' },
    {
      name: 'a hold whose process is gone (this host, pid not running)',
      observed: seen(owned(svc('a')), { inventory: inv('h1', 'applying', hold()), holderRunning: false }),
      state: 'failed',
    },
    { name: 'another writer holds it', observed: seen(owned(svc('a')), { inventory: inv('h1', 'applying', hold()) }), state: 'locked' },
    {
      name: 'another writer holds it, and its process runs',
      observed: seen(foreign(svc('a')), { inventory: inv('h1', 'uninstalling', hold()), holderRunning: true }),
      state: 'locked',
    },
    { name: 'removal: installed', desire: { objects: undefined }, observed: seen(owned(svc('a')), { inventory: inv('h1') }), state: 'removed' },
    { name: 'removal: nothing installed', desire: { objects: undefined }, observed: seen(null), state: 'in-sync' },
    {
      name: 'removal: held by another writer',
      desire: { objects: undefined },
      observed: seen(owned(svc('a')), { inventory: inv('h1', 'uninstalling', hold()) }),
      state: 'locked',
    },
  ];
  it.each(cases)('$name → $state', (c) => {
    const status = chooseReleaseState({ ...desire, ...c.desire }, c.observed);
    expect(status.state).toBe(c.state);
    expect(status.reason.length).toBeGreaterThan(0);
  });

  it('a hold is judged only with a clock, on a pending inventory', () => {
    expect(liveHold(inv('h1', 'applying', hold()), {}, 'me')).toBeUndefined();
    expect(liveHold(inv('h1', 'applied', hold()), { observedAt: NOW }, 'me')).toBeUndefined();
    expect(liveHold(inv('h1', 'applying', hold()), { observedAt: NOW }, 'me')).toEqual(hold());
  });
});

// A small universe for the properties: up to three Services, each desired or not, live in one of
// four conditions, listed or not by the inventory and the journal; an inventory in any phase with or
// without a hold (mine, another's, lapsed).
const names = ['a', 'b', 'c'] as const;
const liveArb = fc.constantFrom('absent', 'owned', 'edited', 'foreign');
const holdArb = fc.option(
  fc.record({ writer: fc.constantFrom('me', 'other'), host: fc.constant('bastion'), pid: fc.constant(7), until: fc.constantFrom(NOW - 1, NOW, NOW + 1) }),
  { nil: undefined },
);
const inputArb = fc.record({
  objects: fc.tuple(
    ...names.map((name) => fc.record({ name: fc.constant(name), desired: fc.boolean(), live: liveArb, listed: fc.boolean(), journaled: fc.boolean() })),
  ),
  inventory: fc.option(fc.record({ hash: fc.constantFrom('h1', 'h0'), phase: fc.constantFrom('applied', 'applying', 'uninstalling'), hold: holdArb }), {
    nil: undefined,
  }),
  withJournal: fc.boolean(),
  warning: fc.boolean(),
  holderRunning: fc.option(fc.boolean(), { nil: undefined }),
  adopt: fc.boolean(),
  prune: fc.boolean(),
});
type Generated = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

function liveOf(condition: string, o: KubeObject): KubeObject | null {
  if (condition === 'owned') return owned(o);
  if (condition === 'edited') return edited(o);
  return condition === 'foreign' ? foreign(o) : null;
}

function planInput(g: Generated): ReleasePlanInput {
  const objects = g.objects.map((x) => ({ ...x, obj: svc(x.name) }));
  const journal = new Map<string, JournalEntry>(objects.filter((x) => x.journaled).map((x) => [objectKey(x.obj), { ref: refOf(x.obj), uid: `uid-${x.name}` }]));
  const inventory: InventoryRecord | undefined = g.inventory && {
    release: 'istio-remote',
    hash: g.inventory.hash,
    phase: g.inventory.phase,
    objects: objects.filter((x) => x.listed).map((x) => refOf(x.obj)),
    ...(g.inventory.hold ? { hold: g.inventory.hold } : {}),
  };
  const input: ReleasePlanInput = {
    release: 'istio-remote',
    namespace: 'istio-system',
    desired: objects.filter((x) => x.desired).map((x) => x.obj),
    desiredHash: 'h1',
    ensure: [],
    inventory: g.warning ? undefined : inventory,
    live: new Map(objects.map((x) => [objectKey(x.obj), liveOf(x.live, x.obj)])),
    adopt: g.adopt,
    prune: g.prune,
    writer: 'me',
    observedAt: NOW,
    ...(g.withJournal ? { journal } : {}),
    ...(g.warning ? { inventoryWarning: 'MESHD_ERR_INVENTORY_TAMPERED: x' } : {}),
  };
  if (g.holderRunning !== undefined) input.holderRunning = g.holderRunning;
  return input;
}

/** What a plan may delete: with a journal, what it recorded; without one, what the usable inventory lists. */
function deletable(input: ReleasePlanInput): Set<string> {
  if (input.journal) return new Set(input.journal.keys());
  return new Set((input.inventory?.objects ?? []).map(refKey));
}

describe('release plans: properties over every observation', () => {
  const plans = (g: Generated): ReturnType<typeof planRelease>[] => {
    const input = planInput(g);
    return [planRelease(input), planUninstall({ name: 'istio-remote', namespace: 'istio-system', writer: 'me' }, input)];
  };

  it('the action planned is the one the state → action table gives (every state maps to exactly one action)', () => {
    fc.assert(fc.property(inputArb, (g) => plans(g).every((p) => p.action === NEXT_STEP[p.status.state])));
  });

  it('in-sync ⇒ no writes: no object step writes and the action writes nothing', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        for (const p of plans(g).filter((x) => x.status.state === 'in-sync')) {
          expect(actionWrites(p.action)).toBe(false);
          expect([...p.ensure, ...p.actions].filter(isWrite)).toEqual([]);
        }
      }),
    );
  });

  it('locked ⇒ no writes: nothing planned, no journal bookkeeping, and another writer holds a live hold', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        for (const p of plans(g).filter((x) => x.status.state === 'locked')) {
          expect(actionWrites(p.action)).toBe(false);
          expect([p.ensure, p.actions, p.journal]).toEqual([[], [], undefined]);
          expect(p.observedInventory?.hold?.writer).toBe('other');
          expect(p.observedInventory?.hold?.until).toBeGreaterThan(NOW);
        }
      }),
    );
  });

  it('a plan never deletes what the journal (or, without one, the inventory) does not record', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const allowed = deletable(planInput(g));
        for (const p of plans(g)) for (const a of p.actions.filter((x) => x.op === 'delete')) expect(allowed.has(a.key)).toBe(true);
      }),
    );
  });

  it('a foreign object is never written without adopt', () => {
    fc.assert(
      fc.property(inputArb, (g) => {
        const foreignKeys = new Set(g.objects.filter((x) => x.live === 'foreign').map((x) => objectKey(svc(x.name))));
        const writes = plans(g).flatMap((p) => (actionWrites(p.action) ? p.actions.filter(isWrite) : []));
        if (!g.adopt) expect(writes.filter((a) => foreignKeys.has(a.key))).toEqual([]);
      }),
    );
  });
});
