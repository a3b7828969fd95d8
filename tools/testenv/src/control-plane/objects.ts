import type { V1Deployment, V1Pod, V1PodStatus, V1Secret } from '@kubernetes/client-node';
import type { KeyAndCert } from './pki.js';
import { ISTIO_NAMESPACE, type ComponentSpec } from './components.js';

/** Label every stand-in object carries, so tests can tell them apart. */
export const STAND_IN_LABEL = 'meshd.io/testenv-stand-in';

/**
 * The component's Deployment. replicas 0: with no kubelet its own Pods would stay Pending forever;
 * the Running stand-in Pods are created separately and carry no pod-template-hash, so its
 * ReplicaSet never adopts or deletes them.
 */
export function deploymentObject(spec: ComponentSpec): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: spec.deployment, namespace: ISTIO_NAMESPACE, labels: { ...spec.labels, [STAND_IN_LABEL]: 'true' } },
    spec: {
      replicas: 0,
      selector: { matchLabels: spec.labels },
      template: {
        metadata: { labels: spec.labels },
        spec: { serviceAccountName: spec.serviceAccount, containers: spec.containers.map((c) => ({ ...c })) },
      },
    },
  };
}

/** A stand-in Pod of the component, bound to `node`, named like a Deployment's pod. */
export function podObject(spec: ComponentSpec, name: string, node: string): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ISTIO_NAMESPACE, labels: { ...spec.labels, [STAND_IN_LABEL]: 'true' } },
    spec: {
      nodeName: node,
      serviceAccountName: spec.serviceAccount,
      automountServiceAccountToken: false,
      containers: spec.containers.map((c) => ({ ...c })),
    },
  };
}

/**
 * Status of a Pod that a kubelet would report as Running at `ip`: Ready once its readiness probe
 * passed (`ready`, the default), or before that with its containers started and its Ready and
 * ContainersReady conditions False.
 */
export function runningStatus(spec: ComponentSpec, ip: string, now: Date, ready = true): V1PodStatus {
  const status = ready ? 'True' : 'False';
  const condition = (type: string): { type: string; status: string; lastTransitionTime: Date } => ({
    type,
    status: type === 'Ready' || type === 'ContainersReady' ? status : 'True',
    lastTransitionTime: now,
  });
  return {
    phase: 'Running',
    hostIP: '127.0.0.1',
    hostIPs: [{ ip: '127.0.0.1' }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: now,
    qosClass: 'BestEffort',
    conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map(condition),
    containerStatuses: spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: '',
      ready,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    })),
  };
}

/** The `istio.<serviceAccount>` secret Citadel keeps in each namespace (keys as Istio 0.8 wrote them). */
export function istioKeyAndCertSecret(namespace: string, serviceAccount: string, workload: KeyAndCert, root: KeyAndCert): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'istio.io/key-and-cert',
    metadata: { name: `istio.${serviceAccount}`, namespace, annotations: { 'istio.io/service-account.name': serviceAccount } },
    stringData: { 'cert-chain.pem': workload.certPem, 'key.pem': workload.keyPem, 'root-cert.pem': root.certPem },
  };
}

/** Citadel's CA secret `istio-ca-secret` in istio-system. */
export function caSecret(root: KeyAndCert): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'istio.io/ca-root',
    metadata: { name: 'istio-ca-secret', namespace: ISTIO_NAMESPACE },
    stringData: { 'ca-cert.pem': root.certPem, 'ca-key.pem': root.keyPem },
  };
}
