import { hasCode } from '@meshd/core';
import { describe, expect, it } from 'vitest';
import { helmVersionAtLeast, parseHelmVersion } from './detect.js';

describe('parseHelmVersion', () => {
  it.each([
    ['v3.19.5+g8a2c1e4\n', { major: 3, version: 'v3.19.5' }],
    ['v3.19.5\n', { major: 3, version: 'v3.19.5' }],
    ['v3.20.0-rc.1+gabcdef0', { major: 3, version: 'v3.20.0-rc.1' }],
    ['Client: v2.17.0+ga690bad\n', { major: 2, version: 'v2.17.0' }],
    ['Client: v2.7.2+g8478fb4\nServer: v2.6.0+g1234567\n', { major: 2, version: 'v2.7.2' }],
  ])('%j', (output, expected) => {
    expect(parseHelmVersion(output)).toEqual(expected);
  });

  it.each([
    ['v4.0.0+g1111111', /v4\.0\.0 is not supported/],
    ['v1.2.1', /v1\.2\.1 is not supported/],
    ['', /cannot read a version/],
    ['Error: unknown flag: --short', /cannot read a version/],
  ])('rejects %j', (output, message) => {
    let caught: unknown;
    try {
      parseHelmVersion(output);
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'MESHD_ERR_HELM_UNUSABLE')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('helmVersionAtLeast', () => {
  it.each([
    ['v2.7.2', '2.7.2', true],
    ['v2.7.1', '2.7.2', false],
    ['v2.17.0', '2.7.2', true],
    ['v3.0.0-rc.1', '2.7.2', true],
    ['v2.6.9', '2.7.2', false],
    ['v3.19.5', '3.19.6', false],
  ])('%s ≥ %s is %s', (version, minimum, expected) => {
    expect(helmVersionAtLeast(version, minimum)).toBe(expected);
  });
});
