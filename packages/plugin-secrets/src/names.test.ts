import { describe, expect, it } from 'vitest';
import { isExactName, nameMatcher, selectNamespaces, singleExactName } from './names.js';

describe('nameMatcher', () => {
  it.each([
    [['istio.default'], 'istio.default', true],
    [['istio.default'], 'istio.defaults', false],
    [['istio.default'], 'istioXdefault', false],
    [['istio.*'], 'istio.default', true],
    [['istio.*'], 'istio.bookinfo-productpage', true],
    [['istio.*'], 'istio-ca-secret', false],
    [['istio.*'], 'my-istio.default', false],
    [['*.pem'], 'root.pem', true],
    [['app-?'], 'app-1', true],
    [['app-?'], 'app-10', false],
    [['a', 'b*'], 'bz', true],
    [['a', 'b*'], 'c', false],
    [['*'], 'anything.at-all', true],
  ])('%j matches %s: %s', (patterns, name, expected) => {
    expect(nameMatcher(patterns)(name)).toBe(expected);
  });
});

describe('name helpers', () => {
  it.each([
    [['istio.default'], 'istio.default'],
    [['istio.default', 'istio.default'], 'istio.default'],
    [['istio.default', 'other'], undefined],
    [['istio.*'], undefined],
  ])('singleExactName(%j) = %s', (patterns, expected) => {
    expect(singleExactName(patterns)).toBe(expected);
  });

  it('tells exact names from patterns', () => {
    expect(isExactName('istio.default')).toBe(true);
    expect(isExactName('istio.*')).toBe(false);
    expect(isExactName('app-?')).toBe(false);
  });
});

describe('selectNamespaces', () => {
  it.each([
    [['default'], [], ['default']],
    [[], ['app-2', 'app-1'], ['app-1', 'app-2']],
    [
      ['default', 'app-1'],
      ['app-1', 'app-3'],
      ['app-1', 'app-3', 'default'],
    ],
    [[], [], []],
  ])('listed %j + selected %j = %j', (listed, selected, expected) => {
    expect(selectNamespaces(listed, selected)).toEqual(expected);
  });
});
