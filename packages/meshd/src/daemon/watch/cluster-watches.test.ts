import type { ClusterClient } from '@meshd/core/cluster';
import type { DesiredMesh, ValidCluster } from '@meshd/core/descriptor';
import { recordingLogger } from '@meshd/testkit';
import { describe, expect, it } from 'vitest';
import { ClusterWatches, specsForCluster, type ClusterWatchesOptions } from './cluster-watches.js';
import type { WatchSpec } from './watch-specs.js';

/** A cluster whose kubeconfig reads are counted (what comparing a running cluster's watches reads). */
function countedCluster(
  name: string,
  role: ValidCluster['role'],
  kubeconfig: string,
  reads: { count: number },
  annotations: Record<string, string> = {},
): ValidCluster {
  const cluster = {
    name,
    role,
    file: `${name}.yaml`,
    pilotEndpoint: '192.0.2.1:9080',
    platform: 'Kubernetes',
    accessConfigFile: `${name}.kube.conf`,
    server: 'https://192.0.2.2:6443',
    descriptorText: '',
    annotations,
  };
  return Object.defineProperty(cluster, 'kubeconfigText', { enumerable: true, get: () => ((reads.count += 1), kubeconfig) }) as ValidCluster;
}

function meshOf(clusters: ValidCluster[]): DesiredMesh {
  const [controlPlane, ...remotes] = clusters;
  if (controlPlane === undefined) throw new Error('no control plane');
  return { controlPlane, remotes, registryFiles: {}, pilotEndpoint: controlPlane.pilotEndpoint };
}

/**
 * ClusterWatches whose clusters get no client: each is held as running without watches, and
 * `connected` records every (re)start (what matters here is what update compares and restarts).
 */
function unconnectedWatches(connected: string[], options: Partial<ClusterWatchesOptions> = {}): ClusterWatches {
  return new ClusterWatches({
    specs: () => [],
    connect: (name): ClusterClient => {
      connected.push(name);
      throw new Error('no client in this test');
    },
    enqueue: () => undefined,
    everyKey: () => [],
    remoteKeys: () => [],
    endpointReaders: () => [],
    logger: recordingLogger(),
    ...options,
  });
}

describe('ClusterWatches.update', () => {
  it('compares nothing again for the mesh it already matched, and restarts only a cluster whose kubeconfig changed', () => {
    const reads = { count: 0 };
    const connected: string[] = [];
    const watches = unconnectedWatches(connected);
    const clusters = ['cp', 'r1', 'r2', 'r3'].map((name, i) => countedCluster(name, i === 0 ? 'control-plane' : 'remote', `kubeconfig of ${name}`, reads));
    const mesh = meshOf(clusters);
    watches.update(mesh);
    expect(connected).toEqual(['cp', 'r1', 'r2', 'r3']);
    const afterStart = reads.count;
    for (let report = 0; report < 10; report += 1) watches.update(mesh); // ten reports of one directory generation
    expect(reads.count).toBe(afterStart); // was 4 reads (and 4 hashes) per report
    const moved = meshOf([...clusters.slice(0, 2), countedCluster('r2', 'remote', 'a new kubeconfig of r2', reads), ...clusters.slice(3)]);
    watches.update(moved);
    expect(connected).toEqual(['cp', 'r1', 'r2', 'r3', 'r2']);
    expect(watches.watched()).toEqual(['cp', 'r1', 'r2', 'r3']);
    watches.stopAll();
  });
});

/** A spec of one kind on one side, of the given backends (undefined: of none). */
function spec(on: WatchSpec['on'], kind: string, backends?: string[]): WatchSpec {
  return { on, target: { apiVersion: 'v1', kind, plural: `${kind.toLowerCase()}s` }, enqueue: 'this-remote', purpose: kind, ...(backends ? { backends } : {}) };
}

describe('which watches run on a cluster', () => {
  const specs = [
    spec('control-plane', 'Pod'),
    spec('each-remote', 'Service', ['helm-template', 'other-renderer']),
    spec('each-remote', 'Endpoints', ['tiller']),
    spec('each-remote', 'Secret'),
  ];
  const kinds = (chosen: WatchSpec[]) => chosen.map((s) => s.target.kind);

  it.each([
    ['control-plane', undefined, ['Pod']],
    ['remote', 'helm-template', ['Service', 'Secret']],
    ['remote', 'other-renderer', ['Service', 'Secret']],
    ['remote', 'tiller', ['Endpoints', 'Secret']],
    ['remote', 'a-backend-without-watches', ['Secret']],
    ['remote', undefined, ['Service', 'Endpoints', 'Secret']],
  ] as const)('%s installed by %s watches %j', (role, backend, expected) => {
    expect(kinds(specsForCluster(role, backend, specs))).toEqual(expected);
  });

  it("starts a backend's watches only on its remotes, and restarts a remote whose backend the config changes", () => {
    const connected: string[] = [];
    let choice = 'helm-template';
    const watches = unconnectedWatches(connected, {
      specs: () => specs,
      backendOf: (cluster) => cluster.annotations['meshd.io/backend'] ?? choice,
      backendChoice: () => choice,
    });
    const reads = { count: 0 };
    const mesh = meshOf([
      countedCluster('cp', 'control-plane', 'cp', reads),
      countedCluster('by-default', 'remote', 'a', reads),
      countedCluster('annotated', 'remote', 'b', reads, { 'meshd.io/backend': 'tiller' }),
    ]);
    watches.update(mesh);
    expect(connected).toEqual(['cp', 'by-default', 'annotated']);
    watches.update(mesh);
    expect(connected).toHaveLength(3);
    choice = 'tiller'; // a reload makes tiller the default: only the remote that followed the default restarts
    watches.update(mesh);
    expect(connected).toEqual(['cp', 'by-default', 'annotated', 'by-default']);
    watches.stopAll();
  });
});
