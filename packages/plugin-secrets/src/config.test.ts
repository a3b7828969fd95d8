import { describe, expect, it } from 'vitest';
import { parseConfigText } from '@meshd/core';
import { effectiveConfig, secretsConfigOf, secretsConfigSchema, selectSecretsConfig } from './config.js';
import { secretsPlugin } from './plugin.js';

/** meshd.yaml findings as `meshd validate` prints them, with the secrets addon registered. */
const lines = (text: string): string[] =>
  parseConfigText(text, 'meshd.yaml', {}, [secretsPlugin]).findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.severity}: ${f.message}`);

const base = secretsConfigSchema.parse({});

describe('secretsConfigSchema', () => {
  it('defaults to istio.default in the default namespace, nothing created, no CA copy', () => {
    expect(base).toEqual({ names: ['istio.default'], namespaces: ['default'], createNamespaces: false, copyCaSecret: false });
  });

  it.each([
    [{ names: ['istio.*', 'istio.default'] }, true],
    [{ names: ['Istio.Default'] }, false],
    [{ names: [] }, false],
    [{ names: ['istio/default'] }, false],
    [{ namespaces: ['app_1'] }, false],
    [{ namespaces: [], namespaceSelector: 'istio-injection=enabled' }, true],
    [{ namespaces: [] }, false],
    [{ namespaceSelector: '  ' }, false],
    [{ createNamespaces: 'yes' }, false],
    [{ adopt: true }, false],
    [{ copyCaSecret: true }, true],
  ])('%j valid: %s', (input, valid) => {
    expect(secretsConfigSchema.safeParse(input).success).toBe(valid);
  });

  it('selects the secrets: key of meshd.yaml, or every default when absent', () => {
    expect(selectSecretsConfig({ secrets: { names: ['a'] }, adopt: true })).toEqual({ names: ['a'] });
    expect(secretsConfigSchema.parse(selectSecretsConfig({ directory: '/x' }))).toEqual(base);
  });
});

describe('secrets: and clusters.NAME.secrets in meshd.yaml (the addon owns them, core reports them)', () => {
  it('reads them with their defaults', () => {
    const text =
      'secrets: { names: [istio.default, istio.sleep], namespaceSelector: "istio-injection=enabled" }\nclusters: { east: { secrets: { createNamespaces: true } } }\n';
    const { config, findings } = parseConfigText(text, 'meshd.yaml', {}, [secretsPlugin]);
    expect(findings).toEqual([]);
    expect(secretsConfigOf(config)).toEqual({
      names: ['istio.default', 'istio.sleep'],
      namespaces: ['default'],
      namespaceSelector: 'istio-injection=enabled',
      createNamespaces: false,
      copyCaSecret: false,
    });
    expect(config).toMatchObject({ clusters: { east: { secrets: { createNamespaces: true } } } });
    expect(secretsConfigOf(parseConfigText('', 'meshd.yaml', {}, [secretsPlugin]).config)).toEqual(base);
  });

  it.each([
    ['names not a list', 'secrets:\n  names: istio.default\n', 'meshd.yaml:2:10: error: secrets.names must be a list, got "istio.default"'],
    ['no namespace at all', 'secrets: { namespaces: [] }\n', 'meshd.yaml:1:24: error: secrets.namespaces must not be empty unless namespaceSelector is set'],
    [
      'a bad per-cluster namespace',
      'clusters:\n  east: { secrets: { namespaces: [App] } }\n',
      'meshd.yaml:2:35: error: clusters.east.secrets.namespaces[0] must be a DNS-1123 label (lowercase letters, digits and \'-\'), got "App"',
    ],
  ])('%s: reported with its file, line, column and field', (_name, text, expected) => {
    expect(lines(text)).toEqual([expected]);
  });
});

describe('effectiveConfig', () => {
  it('is the base config when the cluster has no secrets override', () => {
    expect(effectiveConfig(base, { backend: 'tiller' })).toEqual({ ok: true, config: base });
  });

  it('lays the override over the base field by field', () => {
    const result = effectiveConfig(base, { secrets: { namespaces: ['app-1', 'app-2'], createNamespaces: true } });
    expect(result).toEqual({ ok: true, config: { ...base, namespaces: ['app-1', 'app-2'], createNamespaces: true } });
  });

  it('reports an invalid override with its path instead of applying part of it', () => {
    const result = effectiveConfig(base, { secrets: { namespaces: ['Bad Name'], bogus: 1 } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/namespaces\.0: must be a DNS-1123 label/);
    if (!result.ok) expect(result.error).toMatch(/bogus/);
  });

  it('refuses an override that leaves no namespace at all', () => {
    expect(effectiveConfig(base, { secrets: { namespaces: [] } })).toMatchObject({ ok: false });
    expect(effectiveConfig(base, { secrets: { namespaces: [], namespaceSelector: 'a=b' } })).toMatchObject({ ok: true });
  });
});
