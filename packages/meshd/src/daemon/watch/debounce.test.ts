import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CollectingDebouncer } from './debounce.js';

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

describe('CollectingDebouncer', () => {
  it('flushes one merged batch after the quiet time', () => {
    const batches: string[][] = [];
    const d = new CollectingDebouncer<string>((b) => batches.push(b), { quietMs: 300 });
    d.push('a.yaml');
    vi.advanceTimersByTime(200);
    d.push('b.yaml');
    d.push('a.yaml');
    vi.advanceTimersByTime(299);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches).toEqual([['a.yaml', 'b.yaml']]);
  });

  it('flushes at the latest maxWait after the first item while items keep coming', () => {
    const batches: number[][] = [];
    const d = new CollectingDebouncer<number>((b) => batches.push(b), { quietMs: 300, maxWaitMs: 1000 });
    for (let t = 0; t < 2500; t += 100) {
      d.push(t);
      vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(1000);
    expect(batches.map((b) => b[0])).toEqual([0, 1000, 2000]);
    expect(batches.flat()).toHaveLength(25);
  });

  it('drops the batch on cancel', () => {
    const batches: string[][] = [];
    const d = new CollectingDebouncer<string>((b) => batches.push(b));
    d.push('x');
    d.cancel();
    vi.advanceTimersByTime(5000);
    expect(batches).toEqual([]);
  });
});
