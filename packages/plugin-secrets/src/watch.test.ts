import { describe, expect, it } from 'vitest';
import { secretsConfigSchema } from './config.js';
import { secretWatchSources } from './watch.js';

const config = (input: object): ReturnType<typeof secretsConfigSchema.parse> => secretsConfigSchema.parse(input);

describe('secretWatchSources', () => {
  it('watches the one configured name on the control plane by field selector, and the copies on each remote', () => {
    expect(secretWatchSources(config({}))).toEqual([
      { on: 'control-plane', kind: 'Secret', fieldSelector: 'metadata.name=istio.default', enqueue: 'all-remotes', purpose: 'rotations of istio.default' },
      {
        on: 'each-remote',
        kind: 'Secret',
        labelSelector: 'app.kubernetes.io/managed-by=meshd,meshd.io/component=secrets',
        enqueue: 'this-remote',
        purpose: 'copies edited or deleted on a remote',
      },
      { on: 'each-remote', kind: 'Namespace', enqueue: 'this-remote', purpose: 'application namespaces created on a remote' },
    ]);
  });

  it('falls back to a client-side name filter for patterns, and adds the CA secret and the namespace selector', () => {
    const sources = secretWatchSources(config({ names: ['istio.*'], namespaceSelector: 'istio-injection=enabled', copyCaSecret: true }));
    expect(sources.filter((s) => s.on === 'control-plane')).toEqual([
      { on: 'control-plane', kind: 'Secret', namePatterns: ['istio.*'], enqueue: 'all-remotes', purpose: 'rotations of secrets matching istio.*' },
      {
        on: 'control-plane',
        kind: 'Secret',
        namespace: 'istio-system',
        fieldSelector: 'metadata.name=istio-ca-secret',
        enqueue: 'all-remotes',
        purpose: 'the CA secret (copyCaSecret)',
      },
      {
        on: 'control-plane',
        kind: 'Namespace',
        labelSelector: 'istio-injection=enabled',
        enqueue: 'all-remotes',
        purpose: 'namespaces joining or leaving istio-injection=enabled',
      },
    ]);
  });

  it('covers what per-cluster overrides add, and ignores invalid overrides', () => {
    const sources = secretWatchSources(config({}), {
      east: { secrets: { names: ['istio.extra'], namespaceSelector: 'mesh=east' } },
      west: { backend: 'tiller' },
      broken: { secrets: { names: 'not-a-list' } },
    });
    expect(sources[0]).toMatchObject({ kind: 'Secret', namePatterns: ['istio.default', 'istio.extra'] });
    expect(sources.filter((s) => s.kind === 'Namespace' && s.on === 'control-plane').map((s) => s.labelSelector)).toEqual(['mesh=east']);
  });
});
