import { describe, expect, it } from 'vitest';
import { parseConfigText } from '@meshd/core';
import { selectTillerConfig, tillerConfigSchema, tillerLocation } from './config.js';

describe('tiller backend config', () => {
  it('takes chart, release and values from meshd.yaml and the rest from its tiller block', () => {
    const { config } = parseConfigText('tiller: { helmBinary: /opt/helm2, ensure: true, connectTimeout: 5s }\nvalues: { a: 1 }\n', 'meshd.yaml');
    expect(tillerConfigSchema.parse(selectTillerConfig(config))).toEqual({
      chart: './examples/charts/istio-remote',
      release: { name: 'istio-remote', namespace: 'istio-system' },
      values: { a: 1 },
      helmBinary: '/opt/helm2',
      namespace: 'kube-system',
      ensure: true,
      connectTimeoutMs: 5000,
      timeoutMs: 300_000,
    });
  });

  it('reaches Tiller at clusters.NAME.tillerHost, else in clusters.NAME.tillerNamespace or tiller.namespace', () => {
    const config = { namespace: 'kube-system' };
    expect(tillerLocation({ tillerHost: '192.0.2.9:44134' }, config)).toEqual({ host: '192.0.2.9:44134', namespace: 'kube-system' });
    expect(tillerLocation({ tillerNamespace: 'tiller' }, config)).toEqual({ namespace: 'tiller' });
    expect(tillerLocation({}, config)).toEqual({ namespace: 'kube-system' });
  });
});
