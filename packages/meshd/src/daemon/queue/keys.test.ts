import { buildDesiredMesh, snapshotFromContents, validateDirectory } from '@meshd/core/descriptor';
import type { MeshdConfig } from '@meshd/core';
import { describe, expect, it } from 'vitest';
import { everyKey, fingerprintDirectory, keysForDirectoryChange, passOfKey, REGISTRY_KEY, registryReadsEndpoints, remoteKeys, sameDirectory } from './keys.js';

const descriptor = (name: string, cfgStore: boolean, extra = ''): string => `apiVersion: clusterregistry.k8s.io/v1alpha1
kind: Cluster
metadata:
  name: ${name}
  annotations:
    config.istio.io/pilotEndpoint: "192.0.2.1:9080"
    config.istio.io/platform: "Kubernetes"
    config.istio.io/pilotCfgStore: "${cfgStore}"
    config.istio.io/accessConfigFile: ${name}.kube.conf${extra}
`;
const kubeconfig = (name: string, port: number): string => `apiVersion: v1
kind: Config
clusters: [{ name: ${name}, cluster: { server: "https://127.0.0.1:${port}" } }]
users: [{ name: admin, user: { token: token-of-${name}-0000 } }]
contexts: [{ name: ${name}, context: { cluster: ${name}, user: admin } }]
current-context: ${name}
`;

type Files = Record<string, string>;
const base: Files = {
  'cp.yaml': descriptor('cp', true),
  'cp.kube.conf': kubeconfig('cp', 6443),
  'east.yaml': descriptor('east', false),
  'east.kube.conf': kubeconfig('east', 6444),
  'west.yaml': descriptor('west', false),
  'west.kube.conf': kubeconfig('west', 6445),
};
const fp = (files: Files) => {
  const validation = validateDirectory(snapshotFromContents(files));
  return fingerprintDirectory(validation);
};
const without = (files: Files, ...names: string[]): Files => Object.fromEntries(Object.entries(files).filter(([n]) => !names.includes(n)));

describe('keysForDirectoryChange', () => {
  it('starts with every remote key, then the registry key (not the control plane: the registry key reports it)', () => {
    expect(keysForDirectoryChange(undefined, fp(base))).toEqual(['east', 'west', REGISTRY_KEY]);
  });

  it('at start-up also enqueues the remotes meshd remembers whose files are gone (they left while it was down)', () => {
    expect(keysForDirectoryChange(undefined, fp(without(base, 'west.yaml', 'west.kube.conf')), ['west', 'east'])).toEqual(['east', 'west', REGISTRY_KEY]);
  });

  it('enqueues only the remote whose descriptor or kubeconfig changed', () => {
    expect(fp(base).clusters.size).toBe(3);
    expect(keysForDirectoryChange(fp(base), fp({ ...base, 'east.kube.conf': kubeconfig('east', 7000) }))).toEqual(['east']);
    expect(keysForDirectoryChange(fp(base), fp({ ...base, 'west.yaml': descriptor('west', false, '\n    note: x') }))).toEqual(['west']);
  });

  it('enqueues a new remote and a removed one', () => {
    const north = { ...base, 'north.yaml': descriptor('north', false), 'north.kube.conf': kubeconfig('north', 6446) };
    expect(keysForDirectoryChange(fp(base), fp(north))).toEqual(['north']);
    expect(keysForDirectoryChange(fp(base), fp(without(base, 'west.yaml')))).toEqual(['west']);
  });

  it('enqueues everything when the control plane changed', () => {
    expect(keysForDirectoryChange(fp(base), fp({ ...base, 'cp.kube.conf': kubeconfig('cp', 9999) }))).toEqual(['east', 'west', REGISTRY_KEY]);
    // A remote that became the control plane: the old control plane is a remote key now, the new one is not.
    const swapped = { ...base, 'cp.yaml': descriptor('cp', false), 'east.yaml': descriptor('east', true) };
    expect(keysForDirectoryChange(fp(base), fp(swapped))).toEqual(['cp', 'west', REGISTRY_KEY]);
  });

  it('keeps a cluster whose file broke (registry only) and touches nothing for a no-op save', () => {
    expect(keysForDirectoryChange(fp(base), fp({ ...base, 'east.yaml': 'metadata: [oops' }))).toEqual([REGISTRY_KEY]);
    expect(keysForDirectoryChange(fp(base), fp({ ...base }))).toEqual([REGISTRY_KEY]);
  });
});

describe('sameDirectory (a re-read the daemon made for its own sake enqueues nothing when it holds)', () => {
  it.each<[string, Files | undefined, Files, boolean]>([
    ['the same files read again', base, { ...base }, true],
    ['no read before', undefined, base, false],
    ['a kubeconfig changed', base, { ...base, 'east.kube.conf': kubeconfig('east', 7000) }, false],
    ['a remote added', base, { ...base, 'north.yaml': descriptor('north', false), 'north.kube.conf': kubeconfig('north', 6446) }, false],
    ['a remote removed', base, without(base, 'west.yaml', 'west.kube.conf'), false],
    ['a file broke', base, { ...base, 'east.yaml': 'metadata: [oops' }, false],
    ['a broken file fixed', { ...base, 'east.yaml': 'metadata: [oops' }, base, false],
    ['another control plane', base, { ...base, 'cp.yaml': descriptor('cp', false), 'east.yaml': descriptor('east', true) }, false],
  ])('%s: %s', (_name, before, after, same) => {
    expect(sameDirectory(before && fp(before), fp(after))).toBe(same);
  });
});

describe('passOfKey', () => {
  it.each([
    { key: REGISTRY_KEY, want: { part: 'registry' } },
    { key: 'east', want: { part: 'clusters', scope: new Set(['east']) } },
  ])('$key → $want.part', ({ key, want }) => {
    expect(passOfKey(key)).toEqual(want);
  });
});

describe('everyKey (what a control-plane event, start-up, a reload or leadership enqueues)', () => {
  it.each([
    { what: 'no directory read yet, nothing known', fingerprint: undefined, known: [], want: [REGISTRY_KEY] },
    { what: "the directory's remotes, sorted, registry last", fingerprint: fp(base), known: [], want: ['east', 'west', REGISTRY_KEY] },
    { what: 'known remotes merged in without repeats', fingerprint: fp(base), known: ['west', 'north'], want: ['east', 'north', 'west', REGISTRY_KEY] },
    { what: 'never the control plane', fingerprint: fp(base), known: ['cp'], want: ['east', 'west', REGISTRY_KEY] },
  ])('$what', ({ fingerprint, known, want }) => {
    expect(everyKey(fingerprint, known)).toEqual(want);
  });
});

describe('what a Pilot move enqueues (remoteKeys, registryReadsEndpoints)', () => {
  const twoEndpoints = `spec:
  kubernetesApiEndpoints:
    serverEndpoints:
      - { clientCIDR: 10.1.0.0/16, serverAddress: "198.51.100.10:6443" }
      - { clientCIDR: 10.2.0.0/16, serverAddress: "192.0.2.10:6443" }
`;
  const oneEndpoint = `spec:
  kubernetesApiEndpoints:
    serverEndpoints:
      - { clientCIDR: 0.0.0.0/0, serverAddress: "198.51.100.10:6443" }
`;
  const meshOf = (files: Files) => buildDesiredMesh(validateDirectory(snapshotFromContents(files)));

  it('every remote key, never the registry or the control plane', () => {
    expect(remoteKeys(fp(base), ['north', 'cp'])).toEqual(['east', 'north', 'west']);
    expect(remoteKeys(undefined, [])).toEqual([]);
  });

  it.each([
    { what: 'no serverEndpoints anywhere: Pilot moves do not concern the registry', files: base, clusters: {}, want: false },
    { what: 'one serverEndpoint: nothing to choose', files: { ...base, 'east.yaml': descriptor('east', false) + oneEndpoint }, clusters: {}, want: false },
    {
      what: "several serverEndpoints: chosen by Pilot's IP",
      files: { ...base, 'east.yaml': descriptor('east', false) + twoEndpoints },
      clusters: {},
      want: true,
    },
    {
      what: 'several, but meshd.yaml overrides the published server',
      files: { ...base, 'east.yaml': descriptor('east', false) + twoEndpoints },
      clusters: { east: { publishedServer: 'https://203.0.113.9:6443' } },
      want: false,
    },
    { what: 'the control plane is published too', files: { ...base, 'cp.yaml': descriptor('cp', true) + twoEndpoints }, clusters: {}, want: true },
  ])('$what', ({ files, clusters, want }) => {
    const mesh = meshOf(files);
    expect(mesh?.remotes.map((r) => r.name)).toEqual(['east', 'west']);
    expect(registryReadsEndpoints(mesh, clusters as MeshdConfig['clusters'])).toBe(want);
  });

  it('answers yes before any mesh is known', () => {
    expect(registryReadsEndpoints(undefined, {})).toBe(true);
  });
});
