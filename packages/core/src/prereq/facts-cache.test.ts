import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { factsFreshness, STABLE_FACTS_TTL_MS } from './facts-cache.js';

describe('factsFreshness (the daemon and the CLI keep facts by this one rule)', () => {
  const now = 1_764_756_000_000;
  it.each([
    ['read just now', now, 'fresh'],
    ['read a TTL ago', now - STABLE_FACTS_TTL_MS, 'fresh'],
    ['read a TTL and a millisecond ago', now - STABLE_FACTS_TTL_MS - 1, 'expired'],
    ['read a day ago (the clock jumped forward)', now - 86_400_000, 'expired'],
    ['read a millisecond from now (the clock went back)', now + 1, 'read after now'],
    ['read at a time that is no time', Number.NaN, 'read after now'],
  ])('facts %s are %s', (_what, readAt, expected) => {
    expect(factsFreshness(readAt, now)).toBe(expected);
  });

  it('is fresh exactly when 0 ≤ now − readAt ≤ TTL', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), fc.integer({ min: 0, max: 2 ** 30 }), (at, age, ttl) => {
        expect(factsFreshness(at, at + age, ttl) === 'fresh').toBe(age >= 0 && age <= ttl);
      }),
    );
  });
});
