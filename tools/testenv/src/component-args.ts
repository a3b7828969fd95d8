import type { ClusterLayout } from './layout.js';

/** Controllers a test cluster needs: namespace finalisation, GC, service accounts, workloads. */
export const CONTROLLERS = [
  'namespace-controller',
  'garbage-collector-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'replicaset-controller',
  'deployment-controller',
  'endpointslice-controller',
] as const;

/** etcd flags: one member on loopback, no fsync (test data is thrown away). */
export function etcdArgs(l: ClusterLayout): string[] {
  const client = `http://127.0.0.1:${l.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${l.ports.etcdPeer}`;
  return [
    `--name=${l.name}`,
    `--data-dir=${l.etcdDataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${l.name}=${peer}`,
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

/**
 * kube-apiserver flags. Background writes are switched off (APIServerIdentity leases, priority and
 * fairness bootstrap, the `kubernetes` Endpoints) so apiserver_request_total counts what clients
 * write, nothing else.
 */
export function apiServerArgs(l: ClusterLayout): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${l.ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${l.ports.apiServer}`,
    `--cert-dir=${l.certDir}`,
    `--service-cluster-ip-range=${l.serviceCidr}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${l.serviceAccountPublicKeyFile}`,
    `--service-account-signing-key-file=${l.serviceAccountKeyFile}`,
    `--token-auth-file=${l.tokenFile}`,
    `--client-ca-file=${l.clientCaFile}`,
    '--authorization-mode=RBAC',
    '--allow-privileged=true',
    '--enable-priority-and-fairness=false',
    '--feature-gates=APIServerIdentity=false',
    // 127.0.0.1 is not a valid Endpoints address: the default reconciler would retry (a write) every 10 s.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
  ];
}

/** kube-controller-manager flags: no leader election, no serving port, the controllers above. */
export function controllerManagerArgs(l: ClusterLayout): string[] {
  return [
    `--kubeconfig=${l.controllerManagerKubeconfig}`,
    '--leader-elect=false',
    '--secure-port=0',
    `--controllers=${CONTROLLERS.join(',')}`,
    `--service-account-private-key-file=${l.serviceAccountKeyFile}`,
    `--root-ca-file=${l.servingCertFile}`,
    `--cluster-name=${l.name}`,
    '--use-service-account-credentials=false',
    '--concurrent-gc-syncs=5',
  ];
}
