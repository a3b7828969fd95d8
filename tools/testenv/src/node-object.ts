import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import type { ClusterLayout } from './layout.js';

/** Name of the one Node object a test cluster has. */
export function nodeName(layout: ClusterLayout): string {
  return `${layout.name}-node-1`;
}

/** The Node object standing in for the cluster's worker: Ready, with the cluster's pod CIDR. */
export function nodeObject(layout: ClusterLayout): V1Node {
  const name = nodeName(layout);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux' } },
    spec: { podCIDR: layout.podCidr, podCIDRs: [layout.podCidr] },
    status: {
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'stand-in node of the meshd test environment',
          lastHeartbeatTime: new Date(),
          lastTransitionTime: new Date(),
        },
      ],
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'none://0',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion: 'v0.0.0-testenv',
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'meshd testenv',
        systemUUID: '',
      },
    },
  };
}

/** Creates the Node (status included: Node creation keeps it). */
export async function createNode(core: CoreV1Api, layout: ClusterLayout): Promise<void> {
  await core.createNode({ body: nodeObject(layout) });
}
