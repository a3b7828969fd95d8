import { join } from 'node:path';

/** Ports one cluster listens on (all on 127.0.0.1). */
export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
  /** Tiller's gRPC port (remotes of an environment started with `tiller: true`). */
  tiller?: number;
  /** Port of the fault proxy in front of kube-apiserver (environments started with `proxy: true`). */
  proxy?: number;
}

/** Where one cluster's files live and which addresses it uses; derived, not discovered. */
export interface ClusterLayout {
  name: string;
  index: number;
  /** Per-cluster data directory (etcd data, certificates, keys, logs); removed on stop. */
  dataDir: string;
  etcdDataDir: string;
  certDir: string;
  /** The serving certificate kube-apiserver generates (leaf + its self-signed CA). */
  servingCertFile: string;
  serviceAccountKeyFile: string;
  serviceAccountPublicKeyFile: string;
  tokenFile: string;
  /** kube-apiserver --client-ca-file, and an admin client certificate it accepts. */
  clientCaFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** Kubeconfig for kube-controller-manager (inside dataDir). */
  controllerManagerKubeconfig: string;
  /** The kubeconfig handed to users: `<dir>/<name>.kube.conf` (through the fault proxy when there is one). */
  kubeconfigPath: string;
  /** A kubeconfig straight to kube-apiserver, bypassing the fault proxy: `<dir>/<name>.direct.kube.conf` when proxied, else kubeconfigPath. */
  directKubeconfigPath: string;
  logDir: string;
  ports: ClusterPorts;
  /** kube-apiserver's own address, https://127.0.0.1:PORT. */
  server: string;
  /** The fault proxy's address in front of it, https://127.0.0.1:PORT (proxied environments only). */
  proxyServer?: string;
  serviceCidr: string;
  podCidr: string;
}

/** Cluster names: the control plane `cp`, then `remote-1`, `remote-2`, … */
export function defaultClusterNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? 'cp' : `remote-${i}`));
}

/** Distinct, non-overlapping CIDRs per cluster index: services 10.(96+i).0.0/16, pods 10.(16+i).0.0/16. */
export function clusterCidrs(index: number): { serviceCidr: string; podCidr: string } {
  if (index < 0 || index > 79) throw new Error(`cluster index ${index} out of range 0..79`);
  return { serviceCidr: `10.${96 + index}.0.0/16`, podCidr: `10.${16 + index}.0.0/16` };
}

/** The layout of cluster `index` named `name` under `dir`, using `ports`. */
export function clusterLayout(dir: string, name: string, index: number, ports: ClusterPorts): ClusterLayout {
  const dataDir = join(dir, name);
  const certDir = join(dataDir, 'certs');
  return {
    name,
    index,
    dataDir,
    etcdDataDir: join(dataDir, 'etcd'),
    certDir,
    servingCertFile: join(certDir, 'apiserver.crt'),
    serviceAccountKeyFile: join(dataDir, 'sa.key'),
    serviceAccountPublicKeyFile: join(dataDir, 'sa.pub'),
    tokenFile: join(dataDir, 'tokens.csv'),
    clientCaFile: join(dataDir, 'client-ca.crt'),
    clientCertFile: join(dataDir, 'client-admin.crt'),
    clientKeyFile: join(dataDir, 'client-admin.key'),
    controllerManagerKubeconfig: join(dataDir, 'controller-manager.kubeconfig'),
    kubeconfigPath: join(dir, `${name}.kube.conf`),
    directKubeconfigPath: join(dir, ports.proxy === undefined ? `${name}.kube.conf` : `${name}.direct.kube.conf`),
    logDir: join(dataDir, 'logs'),
    ports,
    server: `https://127.0.0.1:${ports.apiServer}`,
    ...(ports.proxy === undefined ? {} : { proxyServer: `https://127.0.0.1:${ports.proxy}` }),
    ...clusterCidrs(index),
  };
}
