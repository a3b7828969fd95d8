import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { deadline } from './deadline.js';

/** Runs a full garbage collection (V8's gc(), exposed for this test from a fresh context). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('deadline', () => {
  it('aborts with a TimeoutError once its time is up', async () => {
    const d = deadline(20);
    await sleep(60);
    expect(d.signal.aborted).toBe(true);
    expect((d.signal.reason as Error).name).toBe('TimeoutError');
  });

  it('aborts with the parent’s reason when the parent aborts first, and at once when it already has', () => {
    const parent = new AbortController();
    const d = deadline(60_000, parent.signal);
    parent.abort(new Error('shutting down'));
    expect((d.signal.reason as Error).message).toBe('shutting down');
    d.dispose();
    const late = deadline(60_000, parent.signal);
    expect(late.signal.aborted).toBe(true);
  });

  it('does not abort after dispose, and stops listening to the parent', async () => {
    const parent = new AbortController();
    const d = deadline(20, parent.signal);
    d.dispose();
    parent.abort();
    await sleep(60);
    expect(d.signal.aborted).toBe(false);
  });

  it('still fires after a garbage collection, where AbortSignal.any over AbortSignal.timeout can be lost (nodejs/node#57736)', async () => {
    const parent = new AbortController();
    let fired = 0;
    const held: AbortSignal[] = [];
    for (let i = 0; i < 100; i++) {
      const { signal } = deadline(100, parent.signal);
      signal.addEventListener('abort', () => fired++);
      held.push(signal);
    }
    await sleep(20); // out of the creating task: right after creation V8 still holds them
    collectGarbage();
    await sleep(300);
    expect(fired).toBe(held.length);
  });
});
