import type { ClusterClient } from '@meshd/core/cluster';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@meshd/testkit';
import { jitteredInterval, versionChanged, watchServerVersion } from './version-watch.js';

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
});
