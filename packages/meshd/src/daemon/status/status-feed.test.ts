import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { clusterReport, passReport } from '@meshd/testkit';
import { Redactor } from '../../output/redact.js';
import { emptyStatusState, foldReport, type StatusState } from './status-state.js';
import { StatusFeed } from './status-feed.js';
import { statusFromReports, type MeshStatus } from './status.js';

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

describe('StatusFeed without subscribers', () => {
  it('builds no view while nobody listens, yet keeps the timeline of announced changes for the page', async () => {
    const box = { state: reachable(emptyStatusState(), true, 1000) };
    let views = 0;
    const status = (): MeshStatus => {
      views += 1;
      return statusFromReports(box.state, { directory: '/srv/clusters', startedAt: 0, backends: ['helm-template'] });
    };
    const feed = new StatusFeed({ status, redactor: new Redactor(), coalesceMs: 5, pollMs: 1000 });
    feed.changed(); // the daemon announces every report
    await vi.advanceTimersByTimeAsync(10);
    expect(views).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(views).toBe(1); // an idle daemon nobody watches: not one view in a minute (was one a second)
    box.state = reachable(box.state, false, 61_000);
    feed.changed();
    await vi.advanceTimersByTimeAsync(10);
    expect(views).toBe(2);
    const view = feed.view();
    expect(view.timeline.find((e) => e.cluster === 'east' && e.kind === 'state')?.problem).toBe(true);
    feed.close();
  });
});
