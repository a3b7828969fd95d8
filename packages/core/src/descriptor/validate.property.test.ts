// Property: whatever bytes or YAML land in the directory, validateDirectory returns a verdict
// (findings, or a valid result) and never throws.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { snapshotFromContents, type MemoryFile } from './memory-snapshot.js';
import { sampleDescriptor, sampleDirectory } from '@meshd/testkit';
import type { DirectoryValidation } from './types.js';
import { validateDirectory } from './validate.js';

/** Checks the invariants of a verdict on a directory whose `east.yaml`/`east.kube.conf` were replaced. */
function checkVerdict(files: Record<string, MemoryFile>): DirectoryValidation {
  const result = validateDirectory(snapshotFromContents({ ...sampleDirectory(), ...files }, { maxFileBytes: 64 * 1024 }));
  const errors = result.findings.filter((f) => f.severity === 'error');
  expect(result.valid).toBe(errors.length === 0);
  for (const f of result.findings) {
    expect(f.file === '' || f.file in files || f.file in sampleDirectory()).toBe(true);
    expect(f.line).toBeGreaterThanOrEqual(0);
    expect(f.col).toBeGreaterThanOrEqual(0);
    expect(f.message.length).toBeGreaterThan(0);
  }
  const invalid = new Set(result.invalidFiles);
  expect(result.clusters.filter((c) => invalid.has(c.file))).toEqual([]);
  if (result.invalidFiles.length > 0) expect(errors.length).toBeGreaterThan(0);
  return result;
}

const yamlTokens = [
  'a',
  'b: ',
  '- ',
  ': ',
  '\n',
  '  ',
  '\t',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&x ',
  '*x',
  '!tag ',
  '!!str ',
  '!!binary ',
  '---\n',
  '...\n',
  '"',
  "'",
  '#',
  '|',
  '>',
  '? ',
  '%YAML 1.1\n',
  'kind: Cluster',
  'metadata:',
  '  name: e',
  '<<: *x',
  '\u00e9',
  '\uFEFF',
  '\u0085',
];

const jsonLike = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 12 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

const descriptorLike = fc.record(
  {
    apiVersion: fc.constantFrom('clusterregistry.k8s.io/v1alpha1', 'v1', '', 5),
    kind: fc.constantFrom('Cluster', 'Config', 'cluster', null),
    metadata: fc.record(
      {
        name: fc.oneof(fc.constantFrom('east', 'cp', 'East', ''), fc.string({ maxLength: 70 })),
        annotations: fc.dictionary(
          fc.constantFrom(
            'config.istio.io/pilotEndpoint',
            'config.istio.io/pilotCfgStore',
            'config.istio.io/accessConfigFile',
            'config.istio.io/platform',
            'config.istio.io/other',
            'x',
          ),
          fc.oneof(
            fc.constantFrom('192.0.2.1:9080', 'true', 'True', 'maybe', 'east.kube.conf', '../x', '/etc/x', 'Kubernetes', ''),
            fc.boolean(),
            fc.integer(),
            jsonLike,
          ),
        ),
        spec: jsonLike,
      },
      { requiredKeys: [] },
    ),
    spec: fc.oneof(
      jsonLike,
      fc.record({
        kubernetesApiEndpoints: fc.record({ serverEndpoints: fc.array(fc.record({ clientCIDR: fc.string(), serverAddress: fc.string() }), { maxLength: 3 }) }),
      }),
    ),
    extra: jsonLike,
  },
  { requiredKeys: [] },
);

describe('validateDirectory never throws', () => {
  it('on random bytes as a descriptor and as a kubeconfig', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 512 }), (descriptor, kubeconfig) => {
        const result = checkVerdict({ 'east.yaml': descriptor, 'east.kube.conf': kubeconfig });
        expect(result.invalidFiles).toContain('east.yaml');
      }),
      { numRuns: 300 },
    );
  });

  it('on random YAML token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...yamlTokens), { maxLength: 80 }), (tokens) => {
        checkVerdict({ 'east.yaml': tokens.join(''), 'east.kube.conf': tokens.reverse().join('') });
      }),
      { numRuns: 500 },
    );
  });

  it('on random YAML documents of any shape', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(jsonLike, descriptorLike), { minLength: 1, maxLength: 3 }), (docs) => {
        checkVerdict({ 'east.yaml': docs.map((d) => stringify(d)).join('---\n') });
      }),
      { numRuns: 300 },
    );
  });

  it('on a valid descriptor with random edits', () => {
    const text = sampleDescriptor({ name: 'east' });
    fc.assert(
      fc.property(fc.nat(text.length), fc.nat(12), fc.string({ maxLength: 8 }), (at, cut, insert) => {
        checkVerdict({ 'east.yaml': text.slice(0, at) + insert + text.slice(at + cut) });
      }),
      { numRuns: 500 },
    );
  });

  it('on deeply nested and alias-heavy YAML', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 12 }), (depth, fan) => {
        const nested = `${'['.repeat(depth)}${']'.repeat(depth)}\n`;
        const aliases = ['a0: &a0 [x]', ...Array.from({ length: fan }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`)].join('\n');
        checkVerdict({ 'east.yaml': nested, 'west.yaml': `${aliases}\n` });
      }),
      { numRuns: 40 },
    );
  });
});
