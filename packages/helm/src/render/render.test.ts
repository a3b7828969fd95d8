import type { KubeObject } from '@meshd/core';
import { describe, expect, it } from 'vitest';
import { isTestHook } from './render.js';

const withHook = (hook?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: hook === undefined ? { name: 'p' } : { name: 'p', annotations: { 'helm.sh/hook': hook } },
});

describe('isTestHook', () => {
  it.each([
    [undefined, false],
    ['pre-install', false],
    ['test', true],
    ['test-success', true],
    ['pre-install, test-failure', true],
    ['post-test', false],
  ])('%s → %s', (hook, expected) => {
    expect(isTestHook(withHook(hook))).toBe(expected);
  });
});
