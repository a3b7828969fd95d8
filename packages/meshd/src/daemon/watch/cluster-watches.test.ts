import type { ClusterClient } from '@meshd/core/cluster';
import type { DesiredMesh, ValidCluster } from '@meshd/core/descriptor';
import { recordingLogger } from '@meshd/testkit';
import { describe, expect, it } from 'vitest';
import { ClusterWatches } from './cluster-watches.js';

/** A cluster whose kubeconfig reads are counted (what comparing a running cluster's watches reads). */
function countedCluster(name: string, role: ValidCluster['role'], kubeconfig: string, reads: { count: number }): ValidCluster {
  const cluster = {
    name,
    role,
    file: `${name}.yaml`,
    pilotEndpoint: '192.0.2.1:9080',
    platform: 'Kubernetes',
    accessConfigFile: `${name}.kube.conf`,
    server: 'https://192.0.2.2:6443',
    descriptorText: '',
    annotations: {},
  };
  return Object.defineProperty(cluster, 'kubeconfigText', { enumerable: true, get: () => ((reads.count += 1), kubeconfig) }) as ValidCluster;
}

function meshOf(clusters: ValidCluster[]): DesiredMesh {
  const [controlPlane, ...remotes] = clusters;
  if (controlPlane === undefined) throw new Error('no control plane');
  return { controlPlane, remotes, registryFiles: {}, pilotEndpoint: controlPlane.pilotEndpoint };
}

describe('ClusterWatches.update', () => {
  it('compares nothing again for the mesh it already matched, and restarts only a cluster whose kubeconfig changed', () => {
    const reads = { count: 0 };
    const connected: string[] = [];
    const watches = new ClusterWatches({
      specs: () => [],
      // No client: the cluster is held as running without watches (what matters here is what update compares).
      connect: (name): ClusterClient => {
        connected.push(name);
        throw new Error('no client in this test');
      },
      enqueue: () => undefined,
      everyKey: () => [],
      remoteKeys: () => [],
      endpointReaders: () => [],
      logger: recordingLogger(),
    });
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
