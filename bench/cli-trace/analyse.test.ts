import { describe, expect, it } from 'vitest';
import { roundTripsInSequence } from '@meshd/testkit';
import { summarise, timeline, uncoveredMs } from './analyse.js';
import type { TraceEvent } from './hook.js';

const get = (start: number, end: number, server = 'a:1'): TraceEvent => ({ kind: 'http', start, end, what: 'GET /x', server });

describe('roundTripsInSequence', () => {
  it.each([
    ['nothing', [], 0],
    ['one request', [get(0, 10)], 1],
    ['two overlapping requests are one round trip', [get(0, 10), get(5, 15)], 1],
    ['a request after another ended is a second', [get(0, 10), get(10, 20)], 2],
    ['the longest of two chains counts', [get(0, 10), get(11, 20), get(21, 30), get(0, 40)], 3],
  ])('%s', (_name, events, want) => {
    expect(roundTripsInSequence(events)).toBe(want);
  });
});

describe('uncoveredMs', () => {
  it('counts only the time no event covers, within the window', () => {
    expect(uncoveredMs([get(10, 20), get(15, 30), get(50, 60)], 0, 100)).toBe(100 - 20 - 10);
    expect(uncoveredMs([get(-5, 5)], 0, 10)).toBe(5);
  });
});

describe('summarise', () => {
  it('splits start-up, writes, helm runs and sequential round trips per server', () => {
    const events: TraceEvent[] = [
      get(100, 110, 'cp:1'),
      { kind: 'http', start: 110, end: 120, what: 'PATCH /y', server: 'r:2' },
      { kind: 'child', start: 120, end: 150, what: 'helm template' },
      { kind: 'fsync', start: 150, end: 151, what: 'sync' },
      { kind: 'timer', start: 151, end: 160, what: 'setTimeout 9' },
    ];
    const s = summarise({ events, exitAt: 200, cpuUserMs: 50, cpuSystemMs: 10 });
    expect(s).toMatchObject({
      startupMs: 100,
      passMs: 100,
      cpuMs: 60,
      requests: 2,
      writeRequests: 1,
      sequentialRoundTrips: 2,
      sequentialByServer: { 'cp:1': 1, 'r:2': 1 },
      helmRuns: 1,
      helmMs: 30,
      fsyncs: 1,
      timers: ['setTimeout 9×1'],
      localMs: 50,
    });
  });
});

describe('timeline', () => {
  it('lists the events by start, then when the process exited', () => {
    const lines = timeline({
      events: [{ kind: 'fsync', start: 150, end: 151, what: 'sync state/journal' }, get(100, 110, 'cp:1')],
      exitAt: 200,
      cpuUserMs: 0,
      cpuSystemMs: 0,
    });
    expect(lines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['100.0–', '150.0–', '200.0']);
    expect(lines.at(-1)).toMatch(/^\s+200\.0\s+exit$/);
  });
});
