import { MeshdError } from '@meshd/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VALUES_MAPPING, mergeValues, resolveValues } from './values.js';

const endpoints = { pilot: '192.0.2.12', policy: '192.0.2.15', statsd: '192.0.2.17' };

function errorOf(fn: () => unknown): MeshdError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MeshdError) return err;
    throw err;
  }
  throw new Error('expected a MeshdError');
}

describe('resolveValues', () => {
  it('fills the default mapping with the discovered IPs (mixer = policy)', () => {
    expect(resolveValues({ endpoints })).toEqual({
      global: { pilotEndpoint: '192.0.2.12', mixerEndpoint: '192.0.2.15', policyEndpoint: '192.0.2.15', statsdEndpoint: '192.0.2.17' },
    });
  });

  it('uses a configured mixer endpoint for ${mixer}', () => {
    expect(resolveValues({ endpoints: { ...endpoints, mixer: '192.0.2.9' } })).toMatchObject({
      global: { mixerEndpoint: '192.0.2.9', policyEndpoint: '192.0.2.15' },
    });
  });

  it('merges user values over the mapping, with placeholders inside strings', () => {
    const values = resolveValues({
      endpoints,
      userValues: { global: { hub: 'registry.local/istio', statsdEndpoint: '192.0.2.99' }, notes: ['pilot at ${pilot}:15010'] },
    });
    expect(values).toEqual({
      global: {
        pilotEndpoint: '192.0.2.12',
        mixerEndpoint: '192.0.2.15',
        policyEndpoint: '192.0.2.15',
        statsdEndpoint: '192.0.2.99',
        hub: 'registry.local/istio',
      },
      notes: ['pilot at 192.0.2.12:15010'],
    });
  });

  it('lets null in user values remove a mapped key, so its endpoint is not needed', () => {
    const values = resolveValues({ endpoints: { pilot: '192.0.2.1', policy: '192.0.2.2' }, userValues: { global: { statsdEndpoint: null } } });
    expect(values).toEqual({ global: { pilotEndpoint: '192.0.2.1', mixerEndpoint: '192.0.2.2', policyEndpoint: '192.0.2.2' } });
  });

  it('takes a custom mapping', () => {
    expect(resolveValues({ mapping: { pilot: { address: '${pilot}' } }, endpoints: { pilot: '198.51.100.1' } })).toEqual({
      pilot: { address: '198.51.100.1' },
    });
  });

  it.each([
    [{ global: { pilotEndpoint: '${pilots}' } }, 'MESHD_ERR_INVALID_CONFIG', true, 'values.global.pilotEndpoint: unknown placeholder ${pilots}'],
    [{ list: ['a', '${nope}'] }, 'MESHD_ERR_INVALID_CONFIG', true, 'values.list[1]: unknown placeholder ${nope}'],
  ])('rejects an unknown placeholder %j', (userValues, code, terminal, message) => {
    const err = errorOf(() => resolveValues({ endpoints, userValues }));
    expect([err.code, err.terminal]).toEqual([code, terminal]);
    expect(err.message).toContain(message);
  });

  it.each([
    [{ policy: '192.0.2.2', statsd: '192.0.2.3' }, '${pilot}', 'values.global.pilotEndpoint'],
    [{ pilot: '192.0.2.1', statsd: '192.0.2.3' }, '${mixer}', 'values.global.mixerEndpoint'],
    [{ pilot: '192.0.2.1', policy: '192.0.2.2', statsd: '' }, '${statsd}', 'values.global.statsdEndpoint'],
  ])('names the placeholder whose endpoint is missing (%j)', (partial, placeholder, path) => {
    const err = errorOf(() => resolveValues({ endpoints: partial }));
    expect(err.code).toBe('MESHD_ERR_DISCOVERY');
    expect(err.terminal).toBe(false);
    expect(err.message).toContain(placeholder);
    expect(err.message).toContain(path);
  });

  it('does not modify the mapping or the user values', () => {
    const userValues = { global: { hub: 'h' } };
    resolveValues({ endpoints, userValues });
    expect(userValues).toEqual({ global: { hub: 'h' } });
    expect(DEFAULT_VALUES_MAPPING).toEqual({
      global: { pilotEndpoint: '${pilot}', mixerEndpoint: '${mixer}', policyEndpoint: '${policy}', statsdEndpoint: '${statsd}' },
    });
  });
});

describe('mergeValues', () => {
  it.each([
    [{ a: { b: 1, c: 2 } }, { a: { c: 3 } }, { a: { b: 1, c: 3 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: { b: 1 } }, { a: 'flat' }, { a: 'flat' }],
    [{ a: 1, b: 2 }, { b: null }, { a: 1 }],
    [{}, { x: { y: { z: true } } }, { x: { y: { z: true } } }],
  ])('%j + %j', (base, override, expected) => {
    expect(mergeValues(base, override)).toEqual(expected);
  });

  it('keeps a user key named __proto__ as data, not as a prototype', () => {
    const override = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const merged = mergeValues({}, override);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual(['__proto__']);
  });
});
