import type { ClusterClient } from '@meshd/core/cluster';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@meshd/testkit';
import { jitteredInterval, versionChanged, versionReadDue, watchServerVersion } from './version-watch.js';

describe('versionChanged', () => {
  it.each([
    [undefined, 'v1.34.4', false],
    ['v1.34.4', 'v1.34.4', false],
    ['v1.34.4', 'v1.35.0', true],
    ['v1.35.0', 'v1.34.4', true],
  ])('%s → %s: %s', (previous, current, expected) => {
    expect(versionChanged(previous, current)).toBe(expected);
  });
});

describe('versionReadDue', () => {
  const a = {};
  const b = {};
  it.each([
    ['no read yet', undefined, a, 0, true],
    ['no connection open now', { connection: a, atMs: 0 }, undefined, 1, true],
    ['no connection at the last read', { connection: undefined, atMs: 0 }, undefined, 1, true],
    ['another connection since (the server restarted)', { connection: a, atMs: 0 }, b, 1, true],
    ['the same connection, read 59 min ago', { connection: a, atMs: 0 }, a, 59 * 60_000, false],
    ['the same connection, read an hour ago', { connection: a, atMs: 0 }, a, 60 * 60_000, true],
  ])('%s', (_why, last, connection, nowMs, expected) => {
    expect(versionReadDue(last, connection, nowMs, 60 * 60_000)).toBe(expected);
  });
});

describe('jitteredInterval', () => {
  it('spreads the interval by ±20 %', () => {
    expect(jitteredInterval(1000, 0.2, 0)).toBe(800);
    expect(jitteredInterval(1000, 0.2, 0.5)).toBe(1000);
    expect(jitteredInterval(1000, 0.2, 0.999999)).toBe(1200);
  });
});

describe('watchServerVersion', () => {
  /** Runs the watch over `answers` (a string is a version, an Error a failed read), then stops it. */
  async function run(answers: (string | Error)[]): Promise<{ changes: [string, string][]; waits: number[] }> {
    const stop = new AbortController();
    const changes: [string, string][] = [];
    const waits: number[] = [];
    let i = 0;
    await watchServerVersion({
      cluster: 'east',
      client: {} as ClusterClient,
      read: () => {
        const answer = answers[i++];
        if (i >= answers.length) stop.abort();
        return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer ?? '');
      },
      connection: () => undefined,
      intervalMs: 1000,
      onChange: (from, to) => changes.push([from, to]),
      signal: stop.signal,
      logger: silentLogger(),
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
    });
    return { changes, waits };
  }

  it('reports each change after the first read, not the first read itself', async () => {
    const { changes, waits } = await run(['v1.34.4', 'v1.34.4', 'v1.35.0', 'v1.35.0', 'v1.34.4']);
    expect(changes).toEqual([
      ['v1.34.4', 'v1.35.0'],
      ['v1.35.0', 'v1.34.4'],
    ]);
    expect(waits).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('skips failed reads without forgetting the last version', async () => {
    const { changes } = await run(['v1.34.4', new Error('connection refused'), 'v1.34.4', new Error('timeout'), 'v1.35.0']);
    expect(changes).toEqual([['v1.34.4', 'v1.35.0']]);
  });

  it('skips the reads while the connection open at the last read stays open, and reads again when it changes or the recheck is due', async () => {
    const stop = new AbortController();
    const [first, second] = [{}, {}];
    // Each tick: [the connection open then, the clock]; the recheck period is 100.
    const ticks: [object | undefined, number][] = [
      [first, 0], // read (the first)
      [first, 30], // same connection: skipped
      [first, 60], // skipped
      [second, 70], // the server restarted: read
      [second, 90], // skipped
      [second, 170], // a recheck is due: read
      [undefined, 175], // no connection: read
    ];
    let tick = 0;
    const readAt: number[] = [];
    await watchServerVersion({
      cluster: 'east',
      client: {} as ClusterClient,
      read: () => {
        readAt.push(ticks[tick]![1]);
        return Promise.resolve('v1.34.4');
      },
      connection: () => ticks[tick]![0],
      now: () => ticks[tick]![1],
      recheckMs: 100,
      intervalMs: 1000,
      onChange: () => undefined,
      signal: stop.signal,
      logger: silentLogger(),
      sleep: () => {
        if (++tick >= ticks.length) stop.abort();
        return Promise.resolve();
      },
    });
    expect(readAt).toEqual([0, 70, 170, 175]);
  });
});
