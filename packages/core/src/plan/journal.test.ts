import { describe, expect, it } from 'vitest';
import { MANAGED_BY_LABEL, objectKey } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';
import type { JournalEntry } from './journal.js';
import { journalAfterApply, journalBeforeApply, mergeJournalUpdates, settleJournal } from './journal.js';
import { refOf } from '../kube/object.js';
import type { ObjectAction } from './objects.js';

const svc = (uid: string | undefined, labelled = true): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'istio-pilot', namespace: 'istio-system', ...(uid ? { uid } : {}), ...(labelled ? { labels: { [MANAGED_BY_LABEL]: 'meshd' } } : {}) },
});
const key = objectKey(svc(undefined));
const ref = refOf(svc(undefined));
const entry = (uid?: string): JournalEntry => (uid === undefined ? { ref } : { ref, uid });
const act = (op: ObjectAction['op']): ObjectAction => ({ op, key, ref, reason: 'r' });

describe('settleJournal', () => {
  const cases: { name: string; entry: JournalEntry; live: KubeObject | null | undefined; recorded?: string; record?: string; forget: boolean }[] = [
    { name: 'a recorded object still live is meshd’s', entry: entry('u1'), live: svc('u1'), recorded: 'u1', forget: false },
    {
      name: 'a pending create whose object carries meshd’s label is adopted (kill -9 between create and record)',
      entry: entry(),
      live: svc('u7'),
      recorded: 'u7',
      record: 'u7',
      forget: false,
    },
    { name: 'a pending create that never happened is dropped', entry: entry(), live: null, forget: true },
    { name: 'a pending entry whose object is someone else’s is dropped', entry: entry(), live: svc('u7', false), forget: true },
    { name: 'an object gone is dropped', entry: entry('u1'), live: null, forget: true },
    { name: 'an object replaced by another (new UID) is dropped', entry: entry('u1'), live: svc('u2'), forget: true },
    { name: 'an entry not observed stays as it is', entry: entry('u1'), live: undefined, recorded: 'u1', forget: false },
  ];
  it.each(cases)('$name', (c) => {
    const live = new Map<string, KubeObject | null>(c.live === undefined ? [] : [[key, c.live]]);
    const settled = settleJournal(new Map([[key, c.entry]]), live);
    expect(settled.recorded.get(key)).toBe(c.recorded);
    expect(settled.update.record.get(key)?.uid).toBe(c.record);
    expect(settled.update.forget.includes(key)).toBe(c.forget);
  });
});

describe('journalBeforeApply', () => {
  const cases: { name: string; op: ObjectAction['op']; live: KubeObject | null; recorded?: string; entry?: JournalEntry }[] = [
    { name: 'a create gets a pending entry', op: 'create', live: null, entry: entry() },
    { name: 'a re-create gets a pending entry', op: 'recreate', live: svc('u1'), recorded: 'u1', entry: entry() },
    { name: 'migration: a kept labelled object not in the journal is recorded with its UID', op: 'keep', live: svc('u1'), entry: entry('u1') },
    { name: 'migration: an updated labelled object not in the journal is recorded', op: 'update', live: svc('u1'), entry: entry('u1') },
    { name: 'a kept object already recorded writes nothing', op: 'keep', live: svc('u1'), recorded: 'u1' },
    { name: 'adopting a foreign object (adopt: true) is pending until its UID comes back', op: 'update', live: svc('u1', false), entry: entry() },
    { name: 'a delete writes nothing before', op: 'delete', live: svc('u1'), recorded: 'u1' },
    { name: 'a conflict is never recorded', op: 'conflict', live: svc('u1', false) },
  ];
  it.each(cases)('$name', (c) => {
    const recorded = new Map(c.recorded ? [[key, c.recorded]] : []);
    expect(journalBeforeApply([act(c.op)], new Map([[key, c.live]]), recorded).get(key)).toEqual(c.entry);
  });
});

describe('journalAfterApply', () => {
  it('records the UIDs the API server returned and forgets deleted keys', () => {
    const other = { ...ref, name: 'istio-policy' };
    const otherKey = objectKey({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'istio-policy', namespace: 'istio-system' } });
    const update = journalAfterApply([act('create'), { op: 'delete', key: otherKey, ref: other, reason: 'r' }], {
      applied: new Map([[key, 'u9']]),
      deleted: new Set([otherKey]),
    });
    expect([...update.record]).toEqual([[key, { ref, uid: 'u9' }]]);
    expect(update.forget).toEqual([otherKey]);
  });

  it('an action that did not run leaves the journal alone', () => {
    const update = journalAfterApply([act('create')], { applied: new Map(), deleted: new Set() });
    expect(update).toEqual({ record: new Map(), forget: [] });
  });
});

describe('mergeJournalUpdates', () => {
  it('the later update wins per key', () => {
    const merged = mergeJournalUpdates({ record: new Map(), forget: [key] }, { record: new Map([[key, entry('u1')]]), forget: [] });
    expect(merged).toEqual({ record: new Map([[key, entry('u1')]]), forget: [] });
  });
});
