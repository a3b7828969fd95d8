import { describe, expect, it } from 'vitest';
import { asSourceSecret, desiredCopy, sourceHash, whyNotCopied } from './desired.js';
import type { SourceSecret } from './desired.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function source(over: Partial<SourceSecret> = {}): SourceSecret {
  return {
    namespace: 'app-1',
    name: 'istio.default',
    type: 'istio.io/key-and-cert',
    data: { 'cert-chain.pem': b64('CERT'), 'key.pem': b64('KEY'), 'root-cert.pem': b64('ROOT') },
    labels: { team: 'a' },
    annotations: { 'istio.io/service-account.name': 'default', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    ...over,
  };
}

describe('desiredCopy', () => {
  it('copies data, type and filtered metadata into the same namespace, with source and hash', () => {
    const copy = desiredCopy('cp', source());
    expect(copy).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'istio.default',
        namespace: 'app-1',
        labels: { team: 'a', 'meshd.io/component': 'secrets' },
        annotations: { 'istio.io/service-account.name': 'default', 'meshd.io/source': 'cp/app-1/istio.default', 'meshd.io/source-hash': sourceHash(source()) },
      },
      type: 'istio.io/key-and-cert',
      data: source().data,
    });
  });

  it('leaves out an empty data map (the API server omits it, so asking for it would look like drift)', () => {
    expect(desiredCopy('cp', source({ data: {} }))).not.toHaveProperty('data');
  });

  it('carries no server-set fields of the source', () => {
    const live = asSourceSecret({
      metadata: { name: 'istio.default', namespace: 'app-1', uid: 'u', resourceVersion: '7', ownerReferences: [{}] } as never,
      type: 'Opaque',
      data: {},
    });
    expect(Object.keys(desiredCopy('cp', live).metadata).sort()).toEqual(['annotations', 'labels', 'name', 'namespace']);
  });
});

describe('sourceHash', () => {
  it('changes with data and type, not with metadata', () => {
    const h = sourceHash(source());
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceHash(source({ labels: {} }))).toBe(h);
    expect(sourceHash(source({ type: 'Opaque' }))).not.toBe(h);
    expect(sourceHash(source({ data: { ...source().data, 'key.pem': b64('KEY2') } }))).not.toBe(h);
  });
});

describe('whyNotCopied', () => {
  it.each([
    ['an istio key-and-cert secret', source(), undefined],
    ['a service-account token', source({ type: 'kubernetes.io/service-account-token' }), /only valid in its own cluster/],
    ['a bootstrap token', source({ type: 'bootstrap.kubernetes.io/token' }), /only valid in its own cluster/],
    ['the CA secret by type', source({ type: 'istio.io/ca-root', name: 'x' }), /copyCaSecret/],
    ['the CA secret by name', source({ namespace: 'istio-system', name: 'istio-ca-secret', type: 'Opaque' }), /copyCaSecret/],
    ['an object meshd manages (a registry secret)', source({ labels: { 'app.kubernetes.io/managed-by': 'meshd' } }), /meshd itself manages/],
  ])('%s', (_title, input, expected) => {
    const why = whyNotCopied(input);
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(expected);
  });
});
