// The secrets addon's mesh-wide observe without a cluster: a control plane of our own (an in-memory
// stand-in for the ClusterClient calls it makes) that counts the requests it answers.
import { describe, expect, it } from 'vitest';
import { MeshdError } from '@meshd/core';
import type { ClusterTarget, Logger } from '@meshd/core';
import type { ClusterClient } from '@meshd/core/cluster';
import { createSecretsComponent } from './component.js';
import { secretsConfigSchema } from './config.js';
import { sourcesKey } from './observe-sources.js';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };

/** A control plane holding istio.default in `namespaces`, counting each list and read it answers. */
function controlPlane(namespaces: string[], fail?: Error): { client: ClusterClient; requests: string[] } {
  const requests: string[] = [];
  const secret = (namespace: string): object => ({
    metadata: { namespace, name: 'istio.default' },
    type: 'istio.io/key-and-cert',
    data: { 'cert.pem': 'Y2VydA==' },
  });
  const answer = <T>(what: string, value: T): Promise<T> => {
    requests.push(what);
    return fail ? Promise.reject(fail) : Promise.resolve(value);
  };
  const core = {
    listSecretForAllNamespaces: () => answer('list secrets', { items: namespaces.map(secret) }),
    listNamespacedSecret: ({ namespace }: { namespace: string }) => answer(`list secrets in ${namespace}`, { items: [secret(namespace)] }),
    listNamespace: () => answer('list namespaces', { items: [] }),
    readNamespacedSecret: () => answer('read the CA secret', secret('istio-system')),
  };
  return { client: { name: 'cp', server: 'https://192.0.2.1:6443', core } as unknown as ClusterClient, requests };
}

function componentWith(config: unknown): ReturnType<typeof createSecretsComponent> {
  return createSecretsComponent({ logger: silent, config: secretsConfigSchema.parse(config), signal: new AbortController().signal });
}

const target = (client: ClusterClient): ClusterTarget => ({ name: 'cp', role: 'control-plane', client, overrides: {} });

describe('observeMesh: the sources once per pass, for every remote', () => {
  it('3 remotes sharing secrets: one list of istio.default on the control plane', async () => {
    const cp = controlPlane(['default', 'app-1']);
    const remotes = ['remote-1', 'remote-2', 'remote-3'].map((name) => ({ name, overrides: {} }));
    const observed = await componentWith({ namespaces: ['default', 'app-1'] }).observeMesh!({ controlPlane: target(cp.client), remotes });
    expect(cp.requests).toEqual(['list secrets']);
    expect([...observed.sources.values()].map((s) => s.secrets.map((x) => `${x.namespace}/${x.name}`))).toEqual([
      ['default/istio.default', 'app-1/istio.default'],
    ]);
  });

  it.each([
    { name: 'an override that changes only createNamespaces shares the read', override: { createNamespaces: true }, reads: 1 },
    { name: 'an override naming other secrets reads those too', override: { names: ['istio.*'] }, reads: 2 },
    { name: 'an invalid override is left to its remote’s plan', override: { names: [] }, reads: 1 },
  ])('$name', async ({ override, reads }) => {
    const cp = controlPlane(['default']);
    const remotes = [
      { name: 'remote-1', overrides: {} },
      { name: 'remote-2', overrides: { secrets: override } },
    ];
    const observed = await componentWith({}).observeMesh!({ controlPlane: target(cp.client), remotes });
    expect(observed.sources.size).toBe(reads);
  });

  it('no remote: nothing read', async () => {
    const cp = controlPlane(['default']);
    expect((await componentWith({}).observeMesh!({ controlPlane: target(cp.client), remotes: [] })).sources.size).toBe(0);
    expect(cp.requests).toEqual([]);
  });

  it('a control plane that cannot be read rejects the observation with its code (never empty sources)', async () => {
    const cp = controlPlane(['default'], new MeshdError('MESHD_ERR_TIMEOUT', 'GET /api/v1/secrets timed out'));
    const observing = componentWith({}).observeMesh!({ controlPlane: target(cp.client), remotes: [{ name: 'remote-1', overrides: {} }] });
    await expect(observing).rejects.toMatchObject({ code: 'MESHD_ERR_TIMEOUT' });
  });
});

describe('sourcesKey', () => {
  const base = secretsConfigSchema.parse({});
  it.each([
    { name: 'createNamespaces does not choose sources', other: { ...base, createNamespaces: true }, same: true },
    { name: 'names do', other: { ...base, names: ['istio.*'] }, same: false },
    { name: 'namespaces do', other: { ...base, namespaces: ['app-1'] }, same: false },
    { name: 'the selector does', other: { ...base, namespaceSelector: 'istio-injection=enabled' }, same: false },
    { name: 'copyCaSecret does', other: { ...base, copyCaSecret: true }, same: false },
  ])('$name', ({ other, same }) => {
    expect(sourcesKey(other) === sourcesKey(base)).toBe(same);
  });
});
