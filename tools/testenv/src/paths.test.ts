import { describe, expect, it } from 'vitest';
import { binaryPaths, cacheRoot, compareVersions, missingBinaries, wrapperModuleVersion } from './paths.js';

describe('binary cache paths', () => {
  it('keys the cache by the versions the wrapper go.mod files pin', () => {
    expect(wrapperModuleVersion('kubernetes', 'k8s.io/kubernetes')).toBe('v1.34.4');
    const paths = binaryPaths({ MESHD_CACHE_DIR: '/cache' });
    expect(paths.kubeApiserver).toBe('/cache/k8s/v1.34.4/kube-apiserver');
    expect(paths.etcd).toMatch(/^\/cache\/etcd\/v3\.6\.\d+\/etcd$/);
    expect(paths.helm).toMatch(/^\/cache\/helm\/v3\.19\.\d+\/helm$/);
  });

  it('prefers MESHD_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheRoot({ MESHD_CACHE_DIR: '/a', XDG_CACHE_HOME: '/b' })).toBe('/a');
    expect(cacheRoot({ XDG_CACHE_HOME: '/b' })).toBe('/b/meshd');
    expect(cacheRoot({})).toMatch(/\.cache\/meshd$/);
  });

  it('orders versions numerically', () => {
    expect(['v2.9.1', 'v2.17.0', 'v2.16.12'].sort(compareVersions)).toEqual(['v2.9.1', 'v2.16.12', 'v2.17.0']);
  });
});

describe('missingBinaries', () => {
  it('lists the cluster binaries an empty cache lacks', () => {
    const missing = missingBinaries(binaryPaths({ MESHD_CACHE_DIR: '/nonexistent-meshd-cache' }));
    expect(missing.map((p) => p.split('/').at(-1))).toEqual(['etcd', 'kube-apiserver', 'kube-controller-manager']);
  });
});
