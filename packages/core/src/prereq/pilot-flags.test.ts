import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { multiclusterFlagsOf } from './pilot-flags.js';

function pilot(containers: Array<{ name: string; args?: string[]; command?: string[] }>): V1Deployment {
  return {
    metadata: { name: 'istio-pilot', namespace: 'istio-system' },
    spec: { selector: { matchLabels: { istio: 'pilot' } }, template: { spec: { containers } } },
  };
}

describe('multiclusterFlagsOf', () => {
  it.each([
    ['--flag=value', ['discovery', '--clusterRegistriesConfigMap=multicluster'], ['--clusterRegistriesConfigMap=multicluster']],
    ['--flag value', ['discovery', '-v', '2', '--clusterRegistriesConfigMap', 'multicluster'], ['--clusterRegistriesConfigMap multicluster']],
    ['the directory flag', ['discovery', '--clusterRegistriesDir=/etc/istio/clusterregistry'], ['--clusterRegistriesDir=/etc/istio/clusterregistry']],
    ['Go single dash', ['discovery', '-clusterRegistriesConfigMap=multicluster'], ['-clusterRegistriesConfigMap=multicluster']],
    [
      'both flags',
      ['discovery', '--clusterRegistriesConfigMap', 'multicluster', '--clusterRegistriesDir', '/etc/mc'],
      ['--clusterRegistriesConfigMap multicluster', '--clusterRegistriesDir /etc/mc'],
    ],
  ])('enabled: %s', (_label, args, flags) => {
    expect(multiclusterFlagsOf(pilot([{ name: 'discovery', args }]))).toEqual({ found: 'deployment', enabled: true, flags });
  });

  it.each([
    ['no flags', ['discovery', '-v', '2']],
    ['a look-alike flag', ['discovery', '--clusterRegistriesConfigMapX=1']],
    ['the value only', ['discovery', 'clusterRegistriesConfigMap']],
    ['no args at all', undefined],
  ])('not enabled: %s', (_label, args) => {
    expect(multiclusterFlagsOf(pilot([{ name: 'discovery', ...(args ? { args } : {}) }]))).toEqual({ found: 'deployment', enabled: false, flags: [] });
  });

  it('reads the command too (flags given as the entrypoint)', () => {
    const d = pilot([{ name: 'discovery', command: ['/usr/local/bin/pilot-discovery', 'discovery', '--clusterRegistriesDir=/mc'] }]);
    expect(multiclusterFlagsOf(d).enabled).toBe(true);
  });

  it('ignores other containers (the istio-proxy sidecar)', () => {
    const d = pilot([
      { name: 'discovery', args: ['discovery'] },
      { name: 'istio-proxy', args: ['--clusterRegistriesConfigMap=multicluster'] },
    ]);
    expect(multiclusterFlagsOf(d)).toEqual({ found: 'deployment', enabled: false, flags: [] });
  });

  it('says what is missing', () => {
    expect(multiclusterFlagsOf(undefined)).toEqual({ found: 'no-deployment', enabled: false, flags: [] });
    expect(multiclusterFlagsOf(pilot([{ name: 'pilot', args: ['--clusterRegistriesDir=/mc'] }]))).toEqual({
      found: 'no-discovery-container',
      enabled: false,
      flags: [],
    });
  });
});
