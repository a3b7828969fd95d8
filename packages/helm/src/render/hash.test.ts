import { describe, expect, it } from 'vitest';
import { canonicalJson, valuesHash } from './hash.js';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }, '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}'],
    [{ a: undefined, b: null }, '{"b":null}'],
    [[undefined, 1], '[null,1]'],
    ['text "quoted"', '"text \\"quoted\\""'],
    [true, 'true'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('valuesHash', () => {
  it('ignores key order and distinguishes different values', () => {
    const a = valuesHash({ global: { pilotEndpoint: '192.0.2.1', policyEndpoint: '192.0.2.2' } });
    const b = valuesHash({ global: { policyEndpoint: '192.0.2.2', pilotEndpoint: '192.0.2.1' } });
    const c = valuesHash({ global: { policyEndpoint: '192.0.2.2', pilotEndpoint: '192.0.2.3' } });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });
});
