import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateKubeconfig } from '../descriptor/kubeconfig.js';
import { kubeconfigValue } from './kubeconfig-value.js';
import { readKubeconfig } from './kubeconfig-view.js';

function kubeconfigText(server: string, token: string, extra: Record<string, unknown> = {}): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': 'Q0EtREFUQQ==' } }],
    users: [{ name: 'u', user: { token } }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
    ...extra,
  });
}

describe('kubeconfigValue', () => {
  it('parses a text once: every reader gets the same plain data, what yaml parses', () => {
    const text = kubeconfigText('https://192.0.2.10:6443', 'tok-parsed-once-0123456789');
    const first = kubeconfigValue(text);
    expect(first).toEqual(parse(text));
    expect(kubeconfigValue(text)).toBe(first);
    expect(readKubeconfig('c', text).rawCluster).toBe((first as { clusters: { cluster: unknown }[] }).clusters[0]?.cluster);
  });

  it('hands out frozen data: a reader cannot change what the others read', () => {
    const value = kubeconfigValue(kubeconfigText('https://192.0.2.11:6443', 'tok-frozen-0123456789')) as { users: { user: { token: string } }[] };
    expect(() => {
      (value.users[0] as { user: { token: string } }).user.token = 'changed';
    }).toThrow(TypeError);
    expect(value.users[0]?.user.token).toBe('tok-frozen-0123456789');
  });

  it.each([
    ['not YAML at all', 'clusters: [unclosed'],
    ['a repeated key', 'current-context: a\ncurrent-context: b\n'],
    [
      'an alias bomb',
      [
        'a: &a [x, x, x, x, x, x, x, x, x, x]',
        ...Array.from({ length: 8 }, (_, i) => `${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
      ].join('\n'),
    ],
  ])('throws on %s and keeps nothing (the next reader parses again and throws again)', (_what, text) => {
    expect(() => kubeconfigValue(text)).toThrow();
    expect(() => kubeconfigValue(text)).toThrow();
  });

  it('the value the directory validation hands over is the one yaml parses, for any kubeconfig it accepts', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
    let accepted = 0;
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    );
    fc.assert(
      fc.property(name, fc.string({ minLength: 1, maxLength: 60 }), fc.dictionary(name, value, { maxKeys: 4 }), (cluster, token, extras) => {
        const text = stringify({
          ...extras,
          clusters: [{ name: cluster, cluster: { server: 'https://198.51.100.7:6443', ...extras } }],
          users: [{ name: 'u', user: { token } }],
          contexts: [{ name: 'ctx', context: { cluster, user: 'u' } }],
          'current-context': 'ctx',
        });
        const check = validateKubeconfig('kubeconfig.yaml', text);
        if (check.findings.some((f) => f.severity === 'error')) return;
        accepted++;
        expect(kubeconfigValue(text)).toEqual(parse(text));
      }),
      { numRuns: 200 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
