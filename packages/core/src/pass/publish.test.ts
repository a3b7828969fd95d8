import { describe, expect, it } from 'vitest';
import type { DesiredMesh, ValidCluster } from '../descriptor/mesh.js';
import { publishedClusters, withCredentials } from './publish.js';
import type { ClusterReport } from './types.js';

function cluster(name: string, role: 'control-plane' | 'remote' = 'remote'): ValidCluster {
  return {
    name,
    file: `${name}.yaml`,
    role,
    pilotEndpoint: '192.0.2.1:15007',
    platform: 'Kubernetes',
    accessConfigFile: `${name}.kube.conf`,
    kubeconfigText: '',
    server: 'https://192.0.2.10',
    descriptorText: '',
    annotations: {},
  };
}
function mesh(...remotes: string[]): DesiredMesh {
  return { controlPlane: cluster('cp', 'control-plane'), remotes: remotes.map((r) => cluster(r)), registryFiles: {}, pilotEndpoint: '192.0.2.1:15007' };
}
function report(name: string, state: ClusterReport['state'], reachable = true): ClusterReport {
  return { name, role: 'remote', server: '', reachable, state, warnings: [], components: [] };
}
const names = (cs: ValidCluster[]): string[] => cs.map((c) => c.name);

describe('publishedClusters: who the registry lists after a pass', () => {
  it.each([
    {
      what: 'a new reachable remote joins',
      desired: mesh('a'),
      remembered: undefined,
      members: [report('a', 'converged')],
      removals: [],
      renames: undefined,
      want: ['a', 'cp'],
    },
    {
      what: 'a new unreachable remote waits',
      desired: mesh('a'),
      remembered: undefined,
      members: [report('a', 'unreachable', false)],
      removals: [],
      renames: undefined,
      want: ['cp'],
    },
    {
      what: 'a joined unreachable remote stays',
      desired: mesh('a'),
      remembered: mesh('a'),
      members: [report('a', 'unreachable', false)],
      removals: [],
      renames: undefined,
      want: ['a', 'cp'],
    },
    {
      what: 'a removed remote goes',
      desired: mesh(),
      remembered: mesh('a'),
      members: [],
      removals: [report('a', 'removed')],
      renames: undefined,
      want: ['cp'],
    },
    {
      what: 'a held removal stays listed',
      desired: mesh(),
      remembered: mesh('a'),
      members: [],
      removals: [report('a', 'held', false)],
      renames: undefined,
      want: ['a', 'cp'],
    },
    {
      what: 'a rename lists the new name only, even out of scope',
      desired: mesh('b'),
      remembered: mesh('a'),
      members: [],
      removals: [],
      renames: new Map([['a', 'b']]),
      want: ['b', 'cp'],
    },
  ])('$what', ({ desired, remembered, members, removals, renames, want }) => {
    expect(names(publishedClusters({ mesh: desired, registryMesh: remembered, members, removals, mode: 'apply', ...(renames ? { renames } : {}) }))).toEqual(
      want,
    );
  });
});

describe('withCredentials: what the registry carries for each cluster', () => {
  const files = { 'cp.yaml': 'cp', 'cp.kube.conf': 'operator cp', 'a.yaml': 'a', 'a.kube.conf': 'operator a', 'b.yaml': 'b', 'b.kube.conf': 'operator b' };
  const clusters = [cluster('cp', 'control-plane'), cluster('a'), cluster('b')];
  const minted = new Map([
    ['cp', 'minted cp'],
    ['a', 'minted a'],
  ]);

  it('secrets mode: remotes carry their minted kubeconfig; one without a credential is left out; the control plane is not carried', () => {
    const { published } = withCredentials(clusters, files, minted, 'secrets');
    expect(published.map((c) => [c.name, c.role === 'remote' ? c.kubeconfigText : '-'])).toEqual([
      ['cp', '-'],
      ['a', 'minted a'],
    ]);
  });

  it('configmap mode: every kubeconfig file is replaced, and a cluster without a credential leaves with its descriptor', () => {
    const { files: out } = withCredentials(clusters, files, minted, 'configmap');
    expect(out).toEqual({ 'cp.yaml': 'cp', 'cp.kube.conf': 'minted cp', 'a.yaml': 'a', 'a.kube.conf': 'minted a' });
    expect(Object.values(out).some((v) => v.startsWith('operator'))).toBe(false);
  });
});
