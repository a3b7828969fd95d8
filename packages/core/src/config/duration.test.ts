import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('durations', () => {
  it.each([
    ['10m', 600_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['0s', undefined],
    ['10', undefined],
    ['10d', undefined],
    ['m', undefined],
    ['-1m', undefined],
    ['', undefined],
  ])('parseDuration(%s) = %s', (text, expected) => expect(parseDuration(text)).toBe(expected));

  it.each([
    [600_000, '10m'],
    [5_400_000, '1h30m'],
    [250, '250ms'],
    [61_000, '1m1s'],
  ])('formatDuration(%s) = %s', (ms, expected) => expect(formatDuration(ms)).toBe(expected));
});
