import type { KubeObject } from '@meshd/core/kube';
import { describe, expect, it } from 'vitest';
import { isTestHook, renderedObjects } from './render.js';

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

describe('renderedObjects', () => {
  const output = '---\n# Source: c/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n';

  it('gives each caller its own objects when the same output is parsed again', () => {
    const first = renderedObjects(output, 'istio-system');
    (first[0] as KubeObject).metadata.name = 'changed';
    expect(renderedObjects(output, 'istio-system')[0]?.metadata).toEqual({ name: 'sa', namespace: 'istio-system' });
    expect(renderedObjects(output, 'other')[0]?.metadata.namespace).toBe('other');
  });

  it('still refuses an output that is not Kubernetes objects, every time', () => {
    expect(() => renderedObjects('a: [\n', 'ns')).toThrow('helm rendered invalid YAML');
    expect(() => renderedObjects('a: [\n', 'ns')).toThrow('helm rendered invalid YAML');
  });
});
