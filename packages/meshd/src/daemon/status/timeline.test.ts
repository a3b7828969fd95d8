import { reportError } from '@meshd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyStatusState, foldReport, recordReconcile, type StatusState } from './status-state.js';
import { timelineView, type TimelineView } from './status.js';
import { appendTimeline, TIMELINE_LENGTH, timelineEntries, type TimelineEntry } from './timeline.js';
import { clusterReport, componentReport, passReport } from '@meshd/testkit';

/** The timeline's view of `state` for the clusters a reconcile reported (all the test's clusters by default). */
const view = (state: StatusState, names = ['cp', 'east', 'west']): TimelineView => timelineView(state, names, ['helm-template', 'tiller']);
const endpoints = (pilot: string) => ({ pilot, policy: '192.0.2.6', statsd: '192.0.2.7' });
const base = foldReport(
  emptyStatusState(),
  'east',
  passReport([clusterReport('cp'), clusterReport('east')], { part: 'clusters', endpoints: endpoints('192.0.2.5') }),
  1000,
);
const texts = (entries: TimelineEntry[]): string[] => entries.map((e) => e.text);

describe('timelineEntries', () => {
  it.each<[string, StatusState, string[]]>([
    ['nothing changed', base, []],
    [
      'Pilot moved',
      foldReport(base, 'east', passReport([clusterReport('east')], { endpoints: endpoints('192.0.2.9') }), 2000),
      ['Pilot moved 192.0.2.5 → 192.0.2.9'],
    ],
    [
      'a cluster joined',
      foldReport(base, 'west', passReport([clusterReport('west')], { endpoints: endpoints('192.0.2.5') }), 2000),
      ['west (remote) is in the mesh: converged'],
    ],
    [
      'a cluster left',
      foldReport(base, 'east', passReport([clusterReport('east', { state: 'removed' })], { endpoints: endpoints('192.0.2.5') }), 2000),
      ['east left the mesh'],
    ],
    [
      'a cluster went unreachable',
      foldReport(base, 'east', passReport([clusterReport('east', { reachable: false, state: 'unreachable' })]), 2000),
      ['east: converged → unreachable'],
    ],
    [
      'a copy was restored after drift',
      foldReport(base, 'east', passReport([clusterReport('east', { components: [componentReport('secrets', { state: 'drifted', writes: 1 })] })]), 2000),
      ['east: istio.default copies restored after drift (1 writes)'],
    ],
    [
      'a reconcile ended',
      recordReconcile(base, { key: 'east', at: 3000, durationMs: 42, outcome: 'success', converged: true }),
      ['reconcile east converged in 42 ms'],
    ],
  ])('%s', (_name, next, expected) => {
    expect(texts(timelineEntries(view(base), view(next), '1970-01-01T00:00:05.000Z'))).toEqual(expected);
  });

  it('starts with every cluster joining and the endpoints found', () => {
    expect(texts(timelineEntries(undefined, view(base), 'now'))).toEqual([
      'Pilot found at 192.0.2.5',
      'Mixer policy found at 192.0.2.6',
      'statsd bridge found at 192.0.2.7',
      'cp (control-plane) is in the mesh: converged',
      'east (remote) is in the mesh: converged',
    ]);
  });

  it('marks failed reconciles as problems', () => {
    const failed = recordReconcile(base, {
      key: 'east',
      at: 3000,
      durationMs: 5,
      outcome: 'error',
      error: reportError('MESHD_ERR_UNREACHABLE', 'east: unreachable'),
    });
    const [entry] = timelineEntries(view(base), view(failed), 'now');
    expect(entry).toMatchObject({ kind: 'reconcile', problem: true, text: 'reconcile east error in 5 ms: [MESHD_ERR_UNREACHABLE] east: unreachable' });
  });
});

describe('appendTimeline', () => {
  it('keeps the newest entries, numbered in order, never more than the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 150 }), { maxLength: 30 }), (batches) => {
        let timeline = appendTimeline([], [], 1);
        let seq = 1;
        for (const size of batches) {
          const entries = Array.from({ length: size }, (_, i): TimelineEntry => ({ at: 'now', kind: 'reconcile', text: `${seq + i}` }));
          timeline = appendTimeline(timeline, entries, seq);
          seq += size;
        }
        expect(timeline.length).toBe(Math.min(TIMELINE_LENGTH, seq - 1));
        timeline.forEach((e, i) => expect(e.seq).toBe(seq - timeline.length + i));
        expect(timeline.every((e) => e.text === String(e.seq))).toBe(true);
      }),
    );
  });
});
