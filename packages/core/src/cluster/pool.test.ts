import { describe, expect, it } from 'vitest';
import { sampleKubeconfig } from '@meshd/testkit';
import { ConnectionPool } from './pool.js';

describe('ConnectionPool', () => {
  it('reuses a client while the kubeconfig is unchanged and replaces it when it changes', () => {
    const pool = new ConnectionPool();
    const a = pool.connect('east', sampleKubeconfig('east', 'https://127.0.0.1:6443'));
    expect(pool.connect('east', sampleKubeconfig('east', 'https://127.0.0.1:6443'))).toBe(a);
    const b = pool.connect('east', sampleKubeconfig('east', 'https://127.0.0.1:7443'));
    expect(b).not.toBe(a);
    expect(b.server).toBe('https://127.0.0.1:7443');
  });

  it('drops clients of clusters that left', () => {
    const pool = new ConnectionPool();
    pool.connect('east', sampleKubeconfig('east'));
    pool.connect('west', sampleKubeconfig('west'));
    pool.retain(['west']);
    expect(pool.size).toBe(1);
  });
});
