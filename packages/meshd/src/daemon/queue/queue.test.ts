import { MeshdError } from '@meshd/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { WorkQueue, type Reconciler, type ReconcileRecord, type ReconcileResult } from './queue.js';

interface Gate {
  promise: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** A queue with a recording reconciler; `behaviour` decides what each call does. */
function harness(behaviour: (key: string, call: number) => Promise<ReconcileResult | void>, options: { concurrency?: number; resyncMs?: number } = {}) {
  const calls: { key: string; at: number }[] = [];
  const records: ReconcileRecord[] = [];
  let running = 0;
  let maxRunning = 0;
  const reconcile: Reconciler = async (key) => {
    calls.push({ key, at: Date.now() });
    running++;
    maxRunning = Math.max(maxRunning, running);
    try {
      return await behaviour(key, calls.filter((c) => c.key === key).length);
    } finally {
      running--;
    }
  };
  const queue = new WorkQueue({
    reconcile,
    random: () => 0,
    onResult: (r) => records.push(r),
    concurrency: options.concurrency ?? 4,
    resyncMs: options.resyncMs ?? 0,
  });
  return { queue, calls, records, maxRunning: () => maxRunning, keysCalled: () => calls.map((c) => c.key) };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('WorkQueue: merging and ordering', () => {
  it('runs a key added three times before it started only once', async () => {
    const h = harness(() => Promise.resolve());
    h.queue.add('east');
    h.queue.add('east');
    h.queue.add('west');
    h.queue.add('east');
    h.queue.start();
    await h.queue.whenIdle();
    expect(h.keysCalled()).toEqual(['east', 'west']);
    expect(h.queue.depth()).toBe(0);
  });

  it('runs a key added while in flight exactly once more, after the first run, never concurrently', async () => {
    const first = gate();
    const h = harness((_key, call) => (call === 1 ? first.promise : Promise.resolve()));
    h.queue.start();
    h.queue.add('east');
    await vi.advanceTimersByTimeAsync(0);
    h.queue.add('east');
    h.queue.add('east');
    expect(h.keysCalled()).toEqual(['east']);
    expect(h.queue.depth()).toBe(0);
    first.open();
    await h.queue.whenIdle();
    expect(h.keysCalled()).toEqual(['east', 'east']);
    expect(h.maxRunning()).toBe(1);
  });

  it('never runs more keys at once than the concurrency bound', async () => {
    const h = harness(() => new Promise((resolve) => setTimeout(resolve, 100)), { concurrency: 2 });
    h.queue.start();
    for (let i = 0; i < 10; i++) h.queue.add(`c${i}`);
    expect(h.queue.depth()).toBe(8);
    await vi.advanceTimersByTimeAsync(1000);
    await h.queue.whenIdle();
    expect(h.calls).toHaveLength(10);
    expect(h.maxRunning()).toBe(2);
  });

  it('holds keys while paused and runs them, merged, on resume', async () => {
    const h = harness(() => Promise.resolve());
    h.queue.start();
    h.queue.pause();
    h.queue.add('a');
    h.queue.add('a');
    await vi.advanceTimersByTimeAsync(10);
    expect(h.calls).toHaveLength(0);
    h.queue.resume();
    await h.queue.whenIdle();
    expect(h.keysCalled()).toEqual(['a']);
  });
});

describe('WorkQueue: retries', () => {
  it('retries a failing key with exponential backoff and resets it after a success', async () => {
    const h = harness((_key, call) => (call <= 3 || call === 5 ? Promise.reject(new Error('cluster unreachable')) : Promise.resolve()));
    h.queue.start();
    h.queue.add('east');
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.calls.map((c) => c.at)).toEqual([0, 500, 1500, 3500]);
    expect(h.records.map((r) => r.outcome)).toEqual(['error', 'error', 'error', 'success']);
    expect(h.queue.failures('east')).toBe(0);
    h.queue.add('east');
    await vi.advanceTimersByTimeAsync(10_000);
    const t = h.calls[4]?.at ?? 0;
    expect(h.calls.map((c) => c.at).slice(4)).toEqual([t, t + 500]);
  });

  it('adds jitter on top of the exponential delay and caps it', () => {
    expect(backoffDelay(1, DEFAULT_BACKOFF, () => 0)).toBe(500);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(2200);
    expect(backoffDelay(100, DEFAULT_BACKOFF, () => 0)).toBe(300_000);
    expect(backoffDelay(100, DEFAULT_BACKOFF, () => 0.999)).toBeLessThanOrEqual(360_000);
  });

  it('does not retry a terminal error, skips it on resync, and runs it again when added', async () => {
    const terminal = new MeshdError('MESHD_ERR_INVALID_CONFIG', 'bad config');
    const h = harness((key, call) => (key === 'registry' && call === 1 ? Promise.reject(terminal) : Promise.resolve()), { resyncMs: 60_000 });
    h.queue.start();
    h.queue.add('registry');
    h.queue.add('east');
    await vi.advanceTimersByTimeAsync(10 * 60_000 + 1);
    expect(h.records[0]?.outcome).toBe('terminal');
    expect(h.queue.isParked('registry')).toBe(true);
    expect(h.keysCalled().filter((k) => k === 'registry')).toHaveLength(1);
    expect(h.keysCalled().filter((k) => k === 'east')).toHaveLength(11);
    h.queue.add('registry');
    await h.queue.whenIdle();
    expect(h.keysCalled().filter((k) => k === 'registry')).toHaveLength(2);
    expect(h.queue.isParked('registry')).toBe(false);
  });

  it('honours requeueAfterMs', async () => {
    const h = harness((_key, call) => Promise.resolve(call === 1 ? { requeueAfterMs: 2000 } : undefined));
    h.queue.start();
    h.queue.add('east');
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.calls.map((c) => c.at)).toEqual([0, 2000]);
    expect(h.records.map((r) => r.outcome)).toEqual(['requeue', 'success']);
  });

  it('keeps the earliest of a pending retry and a requeue of a key', async () => {
    const h = harness((_key, call) => (call === 1 ? Promise.reject(new Error('boom')) : Promise.resolve({ requeueAfterMs: 5000 })));
    h.queue.start();
    h.queue.add('east');
    await vi.advanceTimersByTimeAsync(0);
    h.queue.add('east');
    await vi.advanceTimersByTimeAsync(20_000);
    // The failure at 0 armed a retry at 500 ms (backoff, no jitter); the requeue asked for 5 s: the earlier one runs.
    expect(h.calls.map((c) => c.at).slice(0, 3)).toEqual([0, 0, 500]);
  });
});

describe('WorkQueue: one result path', () => {
  it('hands the report of a success, a failure and a requeue to onResult, with the outcome', async () => {
    const records: { key: string; outcome: string; report?: string }[] = [];
    const q = new WorkQueue<string>({
      random: () => 0,
      resyncMs: 0,
      reconcile: (key) =>
        Promise.resolve(
          key === 'bad'
            ? { report: 'bad report', error: new MeshdError('MESHD_ERR_DISCOVERY', 'no pilot') }
            : key === 'later'
              ? { report: 'later report', requeueAfterMs: 1000 }
              : { report: 'good report' },
        ),
      onResult: (r) => records.push({ key: r.key, outcome: r.outcome, ...(r.report !== undefined ? { report: r.report } : {}) }),
    });
    q.start();
    for (const key of ['good', 'bad', 'later']) q.add(key);
    await q.whenIdle();
    expect(records).toEqual([
      { key: 'good', outcome: 'success', report: 'good report' },
      { key: 'bad', outcome: 'error', report: 'bad report' },
      { key: 'later', outcome: 'requeue', report: 'later report' },
    ]);
    expect(q.failures('bad')).toBe(1);
  });

  it('parks a key whose error result is terminal, with its report', async () => {
    const records: ReconcileRecord<string>[] = [];
    const q = new WorkQueue<string>({
      resyncMs: 0,
      reconcile: () => Promise.resolve({ report: 'r', error: new MeshdError('MESHD_ERR_INVALID_DIRECTORY', 'no control plane') }),
      onResult: (r) => records.push(r),
    });
    q.start();
    q.add('@registry');
    await q.whenIdle();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(records.map((r) => [r.outcome, r.report])).toEqual([['terminal', 'r']]);
    expect(q.isParked('@registry')).toBe(true);
  });

  it('stops tracking a key whose result says forget: no resync, no retry', async () => {
    const h = harness((key) => Promise.resolve(key === 'west' ? { forget: true } : undefined), { resyncMs: 10 * 60_000 });
    h.queue.start();
    h.queue.add('east');
    h.queue.add('west');
    await h.queue.whenIdle();
    expect(h.queue.knownKeys()).toEqual(['east']);
    await vi.advanceTimersByTimeAsync(20 * 60_000);
    expect(h.keysCalled()).toEqual(['east', 'west', 'east', 'east']);
  });
});

describe('WorkQueue: resync and shutdown', () => {
  it('enqueues every known key at each resync', async () => {
    const h = harness(() => Promise.resolve(), { resyncMs: 10 * 60_000 });
    h.queue.start();
    h.queue.add('registry');
    h.queue.add('east');
    await h.queue.whenIdle();
    await vi.advanceTimersByTimeAsync(20 * 60_000);
    expect(h.keysCalled()).toEqual(['registry', 'east', 'east', 'registry', 'east', 'registry']);
  });

  it('tells onResync before each resync enqueues the keys (the daemon re-reads its directory then)', async () => {
    const events: string[] = [];
    const queue = new WorkQueue({
      reconcile: (key) => {
        events.push(key);
        return Promise.resolve({});
      },
      resyncMs: 10 * 60_000,
      onResync: () => events.push('resync'),
    });
    queue.start();
    queue.add('east');
    await queue.whenIdle();
    await vi.advanceTimersByTimeAsync(20 * 60_000);
    expect(events).toEqual(['east', 'resync', 'east', 'resync', 'east']);
  });

  it('lets the reconcile in flight finish, drops waiting keys and refuses new ones', async () => {
    const slow = gate();
    const h = harness((key) => (key === 'east' ? slow.promise : Promise.resolve()), { concurrency: 1 });
    h.queue.start();
    h.queue.add('east');
    h.queue.add('west');
    await vi.advanceTimersByTimeAsync(0);
    const done = h.queue.shutdown(20_000);
    h.queue.add('north');
    await vi.advanceTimersByTimeAsync(1000);
    slow.open();
    await expect(done).resolves.toBe(true);
    expect(h.keysCalled()).toEqual(['east']);
    expect(h.records.map((r) => r.outcome)).toEqual(['success']);
  });

  it('aborts the reconcile in flight when the grace period runs out', async () => {
    let seen: AbortSignal | undefined;
    const queue = new WorkQueue({
      reconcile: (_key, signal) => {
        seen = signal;
        return new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    });
    queue.start();
    queue.add('east');
    await vi.advanceTimersByTimeAsync(0);
    const done = queue.shutdown(20_000);
    await vi.advanceTimersByTimeAsync(20_000);
    await expect(done).resolves.toBe(false);
    expect(seen?.aborted).toBe(true);
  });
});
