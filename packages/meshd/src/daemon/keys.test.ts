import { snapshotFromContents, validateDirectory } from '@meshd/core/descriptor';
import { describe, expect, it } from 'vitest';
import { FULL_KEY, fingerprintDirectory, keysForDirectoryChange, REGISTRY_KEY, scopeOfKey } from './keys.js';

const descriptor = (name: string, cfgStore: boolean, extra = ''): string => `apiVersion: clusterregistry.k8s.io/v1alpha1
kind: Cluster
metadata:
  name: ${name}
  annotations:
    config.istio.io/pilotEndpoint: "192.168.1.1:9080"
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
  'cp.yaml': descriptor('cp', true), 'cp.kube.conf': kubeconfig('cp', 6443),
  'east.yaml': descriptor('east', false), 'east.kube.conf': kubeconfig('east', 6444),
  'west.yaml': descriptor('west', false), 'west.kube.conf': kubeconfig('west', 6445),
};
const fp = (files: Files) => {
  const validation = validateDirectory(snapshotFromContents(files));
  return fingerprintDirectory(validation);
};
const without = (files: Files, ...names: string[]): Files => Object.fromEntries(Object.entries(files).filter(([n]) => !names.includes(n)));

describe('keysForDirectoryChange', () => {
  it('starts with a full pass', () => {
    expect(keysForDirectoryChange(undefined, fp(base))).toEqual([FULL_KEY]);
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
    expect(keysForDirectoryChange(fp(base), fp({ ...base, 'cp.kube.conf': kubeconfig('cp', 9999) }))).toEqual([FULL_KEY]);
  });

  it('keeps a cluster whose file broke (registry only) and touches nothing for a no-op save', () => {
    expect(keysForDirectoryChange(fp(base), fp({ ...base, 'east.yaml': 'metadata: [oops' }))).toEqual([REGISTRY_KEY]);
    expect(keysForDirectoryChange(fp(base), fp({ ...base }))).toEqual([REGISTRY_KEY]);
  });
});

describe('scopeOfKey', () => {
  it('maps keys to pass scopes', () => {
    expect(scopeOfKey(FULL_KEY)).toBeUndefined();
    expect([...(scopeOfKey(REGISTRY_KEY) ?? ['x'])]).toEqual([]);
    expect([...(scopeOfKey('east') ?? [])]).toEqual(['east']);
  });
});
