import { describe, expect, it } from 'vitest';
import { registryObjects } from './desired.js';
import type { PublishedCluster } from './desired.js';

const cp: PublishedCluster = {
  name: 'cp',
  role: 'control-plane',
  file: 'cp.yaml',
  descriptorText: 'kind: Cluster # cp',
  accessConfigFile: 'cp.kube.conf',
  kubeconfigText: 'cp-kubeconfig',
};
const r1: PublishedCluster = {
  name: 'remote-1',
  role: 'remote',
  file: 'r1.yaml',
  descriptorText: 'kind: Cluster # r1',
  accessConfigFile: 'r1.kube.conf',
  kubeconfigText: 'r1-kubeconfig',
};

describe('registry objects', () => {
  it('configmap mode: one ConfigMap multicluster, one key per file', () => {
    const [cm, ...rest] = registryObjects('configmap', 'istio-system', [cp, r1], { 'cp.yaml': 'a', 'r1.yaml': 'b', 'r1.kube.conf': 'c' });
    expect(rest).toEqual([]);
    expect(cm?.metadata).toMatchObject({ name: 'multicluster', namespace: 'istio-system', labels: { 'app.kubernetes.io/managed-by': 'meshd' } });
    expect(Object.keys(cm?.data as object)).toEqual(['cp.yaml', 'r1.kube.conf', 'r1.yaml']);
  });

  it('secrets mode: one Secret per remote, labelled for Pilot, data key = Secret name = cluster', () => {
    const secrets = registryObjects('secrets', 'istio-system', [cp, r1], {});
    expect(secrets).toHaveLength(1);
    const s = secrets[0];
    expect(s?.metadata.name).toBe('remote-1');
    expect(s?.metadata.labels?.['istio/multiCluster']).toBe('true');
    expect(Buffer.from((s?.data as Record<string, string>)['remote-1'] ?? '', 'base64').toString()).toBe('r1-kubeconfig');
  });
});
