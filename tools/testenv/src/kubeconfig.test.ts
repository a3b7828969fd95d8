import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderKubeconfig } from './kubeconfig.js';

describe('renderKubeconfig', () => {
  it('yields a kubeconfig client-node loads, with the token and the CA', () => {
    const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const kc = new KubeConfig();
    kc.loadFromString(renderKubeconfig({ name: 'remote-1', server: 'https://127.0.0.1:6443', caPem, token: 'secret-token' }));
    expect(kc.getCurrentContext()).toBe('remote-1');
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(Buffer.from(kc.getCurrentCluster()?.caData ?? '', 'base64').toString()).toBe(caPem);
    expect(kc.getCurrentUser()?.token).toBe('secret-token');
  });
});
