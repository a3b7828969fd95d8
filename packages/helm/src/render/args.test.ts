import { describe, expect, it } from 'vitest';
import { helmTemplateArgs } from './args.js';

const target = { release: 'istio-remote', namespace: 'istio-system', chartDir: '/charts/istio-remote', valuesFile: '/tmp/v/values.yaml' };

describe('helmTemplateArgs', () => {
  it.each([
    [3, ['template', 'istio-remote', '/charts/istio-remote', '--namespace', 'istio-system', '--values', '/tmp/v/values.yaml', '--include-crds']],
    [2, ['template', '/charts/istio-remote', '--name', 'istio-remote', '--namespace', 'istio-system', '--values', '/tmp/v/values.yaml']],
  ] as const)('Helm %i', (major, expected) => {
    expect(helmTemplateArgs(major, target)).toEqual(expected);
  });

  it('never passes values with --set', () => {
    for (const major of [2, 3] as const) {
      expect(helmTemplateArgs(major, target).some((arg) => arg.startsWith('--set'))).toBe(false);
    }
  });
});
