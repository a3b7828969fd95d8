import { describe, expect, it } from 'vitest';
import { parseConfigText } from '@meshd/core';
import { tillerPlugin } from './backend.js';
import { selectTillerConfig, tillerConfigSchema, tillerLocation } from './config.js';

/** Findings of meshd.yaml text as `meshd validate` prints them, with the tiller backend registered. */
const lines = (text: string): string[] =>
  parseConfigText(text, 'meshd.yaml', {}, [tillerPlugin]).findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.field ?? ''}: ${f.message}`);

describe('tiller backend config', () => {
  it('takes chart, release and values from meshd.yaml and the rest from its tiller block', () => {
    const { config } = parseConfigText('tiller: { helmBinary: /opt/helm2, ensure: true, connectTimeout: 5s }\nvalues: { a: 1 }\n', 'meshd.yaml', {}, [
      tillerPlugin,
    ]);
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

  it('owns tiller: and clusters.NAME.tillerHost/tillerNamespace: with defaults when absent, each error with its file, line, column and field', () => {
    expect(parseConfigText('', 'meshd.yaml', {}, [tillerPlugin]).config).toMatchObject({
      tiller: { helmBinary: 'helm', namespace: 'kube-system', ensure: false, connectTimeout: 10_000, timeout: 300_000 },
    });
    expect(lines('backend: tiller\ntiller:\n  helmBinary: ""\n  timeout: 5\n')).toEqual([
      'meshd.yaml:3:15: tiller.helmBinary: tiller.helmBinary must not be empty',
      'meshd.yaml:4:12: tiller.timeout: tiller.timeout must be a string, got 5 (quote it)',
    ]);
    expect(lines('clusters:\n  west: { tillerNamespace: kube-system, tillerHost: nowhere }\n')).toEqual([
      'meshd.yaml:2:53: clusters.west.tillerHost: clusters.west.tillerHost must be HOST:PORT, e.g. "127.0.0.1:9580", got "nowhere"',
    ]);
    expect(lines('tiller: { namspace: x }\n')).toEqual(['meshd.yaml:1:11: tiller.namspace: unknown field tiller.namspace; did you mean "namespace"?']);
    expect(parseConfigText('tiller: {}\n', 'meshd.yaml').findings.map((f) => f.message)).toEqual(['unknown field tiller']);
  });

  it('reaches Tiller at clusters.NAME.tillerHost, else in clusters.NAME.tillerNamespace or tiller.namespace', () => {
    const config = { namespace: 'kube-system' };
    expect(tillerLocation({ tillerHost: '192.0.2.9:44134' }, config)).toEqual({ host: '192.0.2.9:44134', namespace: 'kube-system' });
    expect(tillerLocation({ tillerNamespace: 'tiller' }, config)).toEqual({ namespace: 'tiller' });
    expect(tillerLocation({}, config)).toEqual({ namespace: 'kube-system' });
  });
});
