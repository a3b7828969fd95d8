import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { clusterLayout } from './layout.js';
import { acceptsConnections, tillerArgs, tillerEnv, tillerHostOf } from './tiller.js';

const base = { etcdClient: 2379, etcdPeer: 2380, apiServer: 6443 };

describe('out-of-cluster Tiller', () => {
  it('listens on loopback only, without a probe server, storing releases as Secrets', () => {
    expect(tillerArgs(44134)).toEqual(['--listen', '127.0.0.1:44134', '--probe=false', '--storage=secret']);
  });

  it('talks to its own cluster through that cluster kubeconfig, in kube-system', () => {
    const env = tillerEnv(clusterLayout('/tmp/env', 'remote-1', 1, { ...base, tiller: 44134 }));
    expect(env).toMatchObject({ KUBECONFIG: '/tmp/env/remote-1.kube.conf', TILLER_NAMESPACE: 'kube-system', HOME: '/tmp/env/remote-1' });
    expect(Object.keys(env).sort()).toEqual(['HOME', 'KUBECONFIG', 'PATH', 'TILLER_NAMESPACE']);
  });

  it('has a host only when the layout has a Tiller port', () => {
    expect(tillerHostOf(clusterLayout('/tmp/env', 'remote-1', 1, { ...base, tiller: 44134 }))).toBe('127.0.0.1:44134');
    expect(tillerHostOf(clusterLayout('/tmp/env', 'cp', 0, base))).toBeUndefined();
  });

  it('tells a listening port from a closed one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(await acceptsConnections(port)).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await acceptsConnections(port)).toBe(false);
  });
});
