import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clusterReport, componentReport, passReport } from '@meshd/testkit';
import { Redactor } from '../../output/redact.js';
import { emptyStatusState, foldReport, recordReconcile, type StatusState } from './status-state.js';
import { StatusFeed } from './status-feed.js';
import { statusFromReports, timelineView, type MeshStatus, type TimelineView } from './status.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const reachable = (state: StatusState, reachableNow: boolean, at: number): StatusState =>
  foldReport(
    state,
    'east',
    passReport([clusterReport('cp'), clusterReport('east', reachableNow ? {} : { reachable: false, state: 'unreachable' })], { part: 'clusters' }),
    at,
  );

const BACKENDS = ['helm-template'];
const timeline = (state: StatusState): TimelineView => timelineView(state, ['cp', 'east'], BACKENDS);

describe('StatusFeed without subscribers', () => {
  it('builds no view while nobody listens, yet keeps the timeline of recorded reconciles for the page', async () => {
    const box = { state: reachable(emptyStatusState(), true, 1000) };
    let views = 0;
    const status = (): MeshStatus => {
      views += 1;
      return statusFromReports(box.state, { directory: '/srv/clusters', startedAt: 0, backends: BACKENDS });
    };
    const feed = new StatusFeed({ status, redactor: new Redactor(), coalesceMs: 5, pollMs: 1000 });
    feed.record(timeline(emptyStatusState()), timeline(box.state)); // the daemon records every reconcile
    await vi.advanceTimersByTimeAsync(60_000);
    expect(views).toBe(0); // an idle daemon nobody watches: not one view in a minute (was one a second)
    const before = timeline(box.state);
    box.state = reachable(box.state, false, 61_000);
    feed.record(before, timeline(box.state));
    await vi.advanceTimersByTimeAsync(10);
    expect(views).toBe(0);
    const view = feed.view();
    expect(views).toBe(1);
    expect(view.timeline.find((e) => e.cluster === 'east' && e.kind === 'joined')).toBeDefined();
    expect(view.timeline.find((e) => e.cluster === 'east' && e.kind === 'state')?.problem).toBe(true);
    feed.close();
  });
});

describe('StatusFeed.record', () => {
  it("keeps every reconcile's entries, however close together they end (a rotation: copies written, then a pass with nothing to do)", async () => {
    const copies = (writes: number): ReturnType<typeof clusterReport> =>
      clusterReport('east', { components: [componentReport('secrets', { state: writes > 0 ? 'out-of-sync' : 'in-sync', writes })] });
    let state = foldReport(emptyStatusState(), 'east', passReport([clusterReport('cp'), copies(0)], { part: 'clusters' }), 1000);
    const status = (): MeshStatus => statusFromReports(state, { directory: '/srv/clusters', startedAt: 0, backends: BACKENDS });
    const feed = new StatusFeed({ status, redactor: new Redactor(), coalesceMs: 100, pollMs: 1000 });
    const reconciles: [writes: number, at: number][] = [
      [1, 2000],
      [0, 2060],
    ];
    for (const [writes, at] of reconciles) {
      const before = timelineView(state, ['east'], BACKENDS);
      state = recordReconcile(foldReport(state, 'east', passReport([copies(writes)], { part: 'clusters' }), at), {
        key: 'east',
        at,
        durationMs: 50,
        outcome: 'success',
        converged: true,
      });
      feed.record(before, timelineView(state, ['east'], BACKENDS));
      await vi.advanceTimersByTimeAsync(20); // within one coalescing window
    }
    const texts = feed.view().timeline.map((e) => e.text);
    expect(texts).toContain('east: istio.default copies applied, was out-of-sync (1 writes)');
    expect(texts.filter((t) => t === 'reconcile east converged in 50 ms')).toHaveLength(2);
    feed.close();
  });
});
