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
 * Shares one control-plane read among the remotes planned at the same time with the same config
 * (the pass plans remotes concurrently). Holds nothing once a read settles: the next plan reads again,
 * so a rotation is never hidden by a cache.
 */
export class SharedSourceReader {
  private readonly inFlight = new Map<string, Promise<ObservedSources>>();

  /** Observes the sources, joining an identical read already in flight. */
  read(cp: ClusterClient, config: SecretsConfig): Promise<ObservedSources> {
    const key = `${cp.name}\n${cp.server}\n${canonicalJson(config)}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = observeSources(cp, config).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}
