import { describe, expect, it } from 'vitest';
import { InFlightReads } from './in-flight.js';

/** A read the test settles by hand, counting how often one was started. */
function manualReads(): { read: () => Promise<string>; started: () => number; settle: (value: string | Error) => void } {
  const pending: { resolve: (v: string) => void; reject: (e: Error) => void }[] = [];
  let started = 0;
  return {
    read: () => {
      started += 1;
      return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
    },
    started: () => started,
    settle: (value) => {
      for (const p of pending.splice(0)) {
        if (value instanceof Error) p.reject(value);
        else p.resolve(value);
      }
    },
  };
}

describe('InFlightReads: sharing reads still running', () => {
  const client = {};

  it('a caller that began before a running read started joins it: one read, the same answer', async () => {
    const reads = new InFlightReads<string>();
    const m = manualReads();
    const since = performance.now();
    const first = reads.get(client, 'facts', { since }, m.read);
    const second = reads.get(client, 'facts', { since }, m.read);
    expect(m.started()).toBe(1);
    m.settle('v1.34');
    expect(await Promise.all([first, second])).toEqual(['v1.34', 'v1.34']);
  });

  it('a caller that began after the running read started does not join it (its answer may predate the caller)', async () => {
    const reads = new InFlightReads<string>();
    const m = manualReads();
    const older = reads.get(client, 'facts', { since: performance.now() }, m.read);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const newer = reads.get(client, 'facts', { since: performance.now() }, m.read);
    expect(m.started()).toBe(2);
    m.settle('v1.34');
    await Promise.all([older, newer]);
  });

  it('shares nothing without `since`, between owners, or between different reads', async () => {
    const reads = new InFlightReads<string>();
    const m = manualReads();
    const since = performance.now();
    const all = [
      reads.get(client, 'facts', {}, m.read),
      reads.get(client, 'facts', {}, m.read),
      reads.get({}, 'facts', { since }, m.read),
      reads.get(client, 'pilot', { since }, m.read),
    ];
    expect(m.started()).toBe(4);
    m.settle('x');
    await Promise.all(all);
  });

  it('keeps nothing once a read settled, failed reads included: the next caller reads again', async () => {
    const reads = new InFlightReads<string>();
    const m = manualReads();
    const since = performance.now();
    const failing = reads.get(client, 'facts', { since }, m.read);
    m.settle(new Error('connection refused'));
    await expect(failing).rejects.toThrow('connection refused');
    const again = reads.get(client, 'facts', { since }, m.read);
    expect(m.started()).toBe(2);
    m.settle('v1.34');
    expect(await again).toBe('v1.34');
  });

  it("a caller's abort ends its own wait only; the read goes on for the others", async () => {
    const reads = new InFlightReads<string>();
    const m = manualReads();
    const since = performance.now();
    const abort = new AbortController();
    const leaving = reads.get(client, 'facts', { since, signal: abort.signal }, m.read);
    const staying = reads.get(client, 'facts', { since }, m.read);
    abort.abort(new Error('lost the lease'));
    await expect(leaving).rejects.toThrow('lost the lease');
    m.settle('v1.34');
    expect(await staying).toBe('v1.34');
    expect(m.started()).toBe(1);
  });
});
