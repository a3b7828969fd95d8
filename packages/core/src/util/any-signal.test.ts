import { describe, expect, it } from 'vitest';
import { anySignal } from './any-signal.js';

/** The listeners an AbortSignal holds, counted through the one symbol Node keeps them under. */
function listenerCount(signal: AbortSignal): number {
  const events = Object.getOwnPropertySymbols(signal).find((s) => String(s) === 'Symbol(kEvents)');
  const map = events ? (signal as unknown as Record<symbol, Map<string, { size?: number }>>)[events] : undefined;
  return map?.get('abort')?.size ?? 0;
}

describe('anySignal', () => {
  it.each([
    ['the first source', 0],
    ['the second source', 1],
  ])('aborts with the reason of %s when it aborts', (_what, which) => {
    const sources = [new AbortController(), new AbortController()];
    const any = anySignal(sources.map((s) => s.signal));
    expect(any.signal.aborted).toBe(false);
    sources[which]!.abort(new Error(`source ${which}`));
    expect((any.signal.reason as Error).message).toBe(`source ${which}`);
    expect(sources.map((s) => listenerCount(s.signal))).toEqual([0, 0]);
  });

  it('is aborted at once when a source already is, and then listens to none', () => {
    const live = new AbortController();
    const done = new AbortController();
    done.abort(new Error('already'));
    const any = anySignal([live.signal, done.signal]);
    expect((any.signal.reason as Error).message).toBe('already');
    expect(listenerCount(live.signal)).toBe(0);
  });

  it('leaves a long-lived source as it found it once disposed, however many times it is used', () => {
    const daemon = new AbortController();
    for (let i = 0; i < 10_000; i++) {
      const request = new AbortController();
      const any = anySignal([request.signal, daemon.signal]);
      any.dispose();
    }
    expect(listenerCount(daemon.signal)).toBe(0);
    const dependants = Object.getOwnPropertySymbols(daemon.signal).find((s) => String(s) === 'Symbol(kDependantSignals)');
    expect(dependants === undefined ? 0 : ((daemon.signal as unknown as Record<symbol, Set<unknown>>)[dependants]?.size ?? 0)).toBe(0);
    // What AbortSignal.any leaves on the same kind of source (Node 20): one reference per call.
    const other = new AbortController();
    // eslint-disable-next-line no-restricted-properties -- the behaviour this file guards against
    for (let i = 0; i < 100; i++) AbortSignal.any([new AbortController().signal, other.signal]);
    const kept = Object.getOwnPropertySymbols(other.signal).find((s) => String(s) === 'Symbol(kDependantSignals)');
    expect(kept === undefined ? 0 : (other.signal as unknown as Record<symbol, Set<unknown>>)[kept]!.size).toBe(100);
  });
});
