// The control plane's side of the secrets addon: its sources (the selected namespaces, the matching
// secrets, the CA secret), read by the mesh-wide observe once per pass for every remote. Reads only.
import { canonicalJson } from '@meshd/core/plan';
import { isNotFound } from '@meshd/core/cluster';
import type { ClusterClient } from '@meshd/core/cluster';
import type { SecretsConfig } from './config.js';
import type { ObservedSources } from './copies.js';
import { CA_SECRET, asSourceSecret } from './desired.js';
import type { SourceSecret } from './desired.js';
import { nameMatcher, selectNamespaces, singleExactName } from './names.js';

async function selectedNamespaces(cp: ClusterClient, selector: string | undefined): Promise<string[]> {
  if (selector === undefined) return [];
  const list = await cp.core.listNamespace({ labelSelector: selector });
  return list.items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
}

/** One list for a single exact name (field selector), else one list per namespace filtered by pattern. */
async function matchingSecrets(cp: ClusterClient, config: SecretsConfig, namespaces: readonly string[]): Promise<SourceSecret[]> {
  const inSet = new Set(namespaces);
  const single = singleExactName(config.names);
  if (single !== undefined) {
    const list = await cp.core.listSecretForAllNamespaces({ fieldSelector: `metadata.name=${single}` });
    return list.items.map(asSourceSecret).filter((s) => inSet.has(s.namespace));
  }
  const matches = nameMatcher(config.names);
  const lists = await Promise.all(namespaces.map((namespace) => cp.core.listNamespacedSecret({ namespace })));
  return lists.flatMap((l) => l.items.map(asSourceSecret)).filter((s) => matches(s.name));
}

async function caSecret(cp: ClusterClient): Promise<SourceSecret | null> {
  try {
    return asSourceSecret(await cp.core.readNamespacedSecret(CA_SECRET));
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/**
 * Reads the sources on the control plane: the selected namespaces, the matching secrets, the CA
 * secret when asked. Reads only; errors propagate (an unreadable control plane is never "empty").
 */
export async function observeSources(cp: ClusterClient, config: SecretsConfig): Promise<ObservedSources> {
  const namespaces = selectNamespaces(config.namespaces, await selectedNamespaces(cp, config.namespaceSelector));
  const [secrets, ca] = await Promise.all([matchingSecrets(cp, config, namespaces), config.copyCaSecret ? caSecret(cp) : Promise.resolve(undefined)]);
  const observed: ObservedSources = { controlPlane: cp.name, namespaces, secrets };
  if (ca !== undefined) observed.ca = ca;
  return observed;
}

/**
 * What the secrets addon's mesh-wide observe read on the control plane: the sources for each
 * distinct read of the mesh's remotes (their effective configs, keyed by sourcesKey). Plain data.
 */
export interface SecretsMeshObserved {
  sources: ReadonlyMap<string, ObservedSources>;
}

/** Pure: what identifies a read of the sources: the config's fields that choose them (names, namespaces, selector, CA). */
export function sourcesKey(config: SecretsConfig): string {
  const { names, namespaces, namespaceSelector, copyCaSecret } = config;
  return canonicalJson({ names, namespaces, namespaceSelector: namespaceSelector ?? null, copyCaSecret });
}

/**
 * Reads the sources once for each distinct read the configs call for (usually one: every remote
 * shares `secrets:`), concurrently. Reads only; any failure rejects the whole observation.
 */
export async function observeMeshSources(cp: ClusterClient, configs: readonly SecretsConfig[]): Promise<SecretsMeshObserved> {
  const distinct = new Map(configs.map((c) => [sourcesKey(c), c] as const));
  const read = await Promise.all([...distinct].map(async ([key, config]) => [key, await observeSources(cp, config)] as const));
  return { sources: new Map(read) };
}
