import { describe, expect, it } from 'vitest';
import { apiServerArgs, controllerManagerArgs, etcdArgs } from './component-args.js';
import { clusterCidrs, clusterLayout, defaultClusterNames } from './layout.js';

const ports = { etcdClient: 2379, etcdPeer: 2380, apiServer: 6443 };

describe('cluster layout', () => {
  it('names the control plane cp and the others remote-N', () => {
    expect(defaultClusterNames(3)).toEqual(['cp', 'remote-1', 'remote-2']);
  });

  it('gives every cluster service and pod CIDRs no other cluster has', () => {
    const cidrs = Array.from({ length: 80 }, (_, i) => clusterCidrs(i));
    const all = cidrs.flatMap((c) => [c.serviceCidr, c.podCidr]);
    expect(new Set(all).size).toBe(160);
    expect(cidrs[0]).toEqual({ serviceCidr: '10.96.0.0/16', podCidr: '10.16.0.0/16' });
    expect(() => clusterCidrs(80)).toThrow(/out of range/);
  });

  it('puts the kubeconfig beside the data dir and the server on loopback', () => {
    const l = clusterLayout('/tmp/env', 'remote-1', 1, ports);
    expect(l.kubeconfigPath).toBe('/tmp/env/remote-1.kube.conf');
    expect(l.dataDir).toBe('/tmp/env/remote-1');
    expect(l.server).toBe('https://127.0.0.1:6443');
    expect(l.directKubeconfigPath).toBe(l.kubeconfigPath);
    expect(l.proxyServer).toBeUndefined();
  });

  it('with a fault proxy, hands out a kubeconfig through it and keeps a direct one beside it', () => {
    const l = clusterLayout('/tmp/env', 'remote-1', 1, { ...ports, proxy: 7443 });
    expect(l.kubeconfigPath).toBe('/tmp/env/remote-1.kube.conf');
    expect(l.directKubeconfigPath).toBe('/tmp/env/remote-1.direct.kube.conf');
    expect(l.proxyServer).toBe('https://127.0.0.1:7443');
    expect(l.server).toBe('https://127.0.0.1:6443');
  });
});

describe('component flags', () => {
  const l = clusterLayout('/tmp/env', 'cp', 0, ports);

  it('runs etcd alone on loopback without fsync', () => {
    const args = etcdArgs(l);
    expect(args).toContain('--listen-client-urls=http://127.0.0.1:2379');
    expect(args).toContain('--initial-cluster=cp=http://127.0.0.1:2380');
    expect(args).toContain('--unsafe-no-fsync');
  });

  it('points kube-apiserver at its etcd with token auth, RBAC and its own service CIDR', () => {
    const args = apiServerArgs(l);
    expect(args).toContain('--etcd-servers=http://127.0.0.1:2379');
    expect(args).toContain('--secure-port=6443');
    expect(args).toContain('--authorization-mode=RBAC');
    expect(args).toContain(`--token-auth-file=${l.tokenFile}`);
    expect(args).toContain('--service-cluster-ip-range=10.96.0.0/16');
  });

  it('runs the controllers tests rely on, without leader election', () => {
    const args = controllerManagerArgs(l);
    const controllers = args
      .find((a) => a.startsWith('--controllers='))
      ?.split('=')[1]
      ?.split(',');
    expect(controllers).toEqual(
      expect.arrayContaining([
        'namespace-controller',
        'garbage-collector-controller',
        'serviceaccount-token-controller',
        'deployment-controller',
        'replicaset-controller',
      ]),
    );
    expect(args).toContain('--leader-elect=false');
  });
});
