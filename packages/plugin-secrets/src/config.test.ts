import { describe, expect, it } from 'vitest';
import { effectiveConfig, secretsConfigSchema, selectSecretsConfig } from './config.js';

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
    if (!result.ok) expect(result.error).toMatch(/namespaces\.0: must be a namespace name/);
    if (!result.ok) expect(result.error).toMatch(/bogus/);
  });

  it('refuses an override that leaves no namespace at all', () => {
    expect(effectiveConfig(base, { secrets: { namespaces: [] } })).toMatchObject({ ok: false });
    expect(effectiveConfig(base, { secrets: { namespaces: [], namespaceSelector: 'a=b' } })).toMatchObject({ ok: true });
  });
});
