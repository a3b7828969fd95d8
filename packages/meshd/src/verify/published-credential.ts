import { connectCluster, kubeconfigWithUser, loadKubeConfig } from '@meshd/core/cluster';
import { REGISTRY_CONFIGMAP } from '@meshd/core/registry';
import type { ClusterClient } from '@meshd/core/cluster';
import type { MeshdConfig } from '@meshd/core';
import type { ValidCluster } from '@meshd/core/descriptor';
import { parse } from 'yaml';

/** The inline credentials of a published kubeconfig: the only kind meshd (and istiod) will use. */
export interface InlineCredential {
  token?: string;
  certData?: string;
  keyData?: string;
  username?: string;
  password?: string;
  /** The server the published kubeconfig names (compared, never contacted). */
  server?: string;
}

/** Kubeconfig user fields that run a program, read a file or change identity: refused. */
const REFUSED_FIELDS = ['exec', 'auth-provider', 'tokenFile', 'token-file', 'client-certificate', 'client-key', 'as', 'as-groups'] as const;

type Named<T> = { name?: unknown } & T;
const asRecord = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function entry(list: unknown, name: unknown, field: string): Record<string, unknown> {
  const items = Array.isArray(list) ? (list as Named<Record<string, unknown>>[]) : [];
  return asRecord(items.find((i) => asRecord(i).name === name)?.[field]);
}

/**
 * Reads the current user's credential out of a published kubeconfig (pure). It is data read from
 * a cluster (trust model): it is parsed as YAML only — never loaded by client-node, which would
 * read token files and run exec plugins — and a kubeconfig that needs a program or a file is refused.
 */
export function inlineCredentialOf(text: string): InlineCredential | { refused: string } {
  let doc: Record<string, unknown>;
  try {
    doc = asRecord(parse(text, { maxAliasCount: 10 }));
  } catch (err) {
    return { refused: `it is not YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
  const context = entry(doc.contexts, doc['current-context'], 'context');
  const user = entry(doc.users, context.user, 'user');
  const refused = REFUSED_FIELDS.find((f) => user[f] !== undefined);
  if (refused !== undefined) return { refused: `its user uses ${refused}, which needs a program or a file (istiod refuses it too)` };
  const credential: InlineCredential = {};
  const fields: [keyof InlineCredential, unknown][] = [
    ['token', user.token],
    ['certData', user['client-certificate-data']],
    ['keyData', user['client-key-data']],
    ['username', user.username],
    ['password', user.password],
    ['server', entry(doc.clusters, context.cluster, 'cluster').server],
  ];
  for (const [key, value] of fields) {
    const s = str(value);
    if (s !== undefined) credential[key] = s;
  }
  if (credential.token === undefined && credential.certData === undefined && credential.username === undefined)
    return { refused: 'its current context has no inline credential (token, client certificate or basic auth)' };
  return credential;
}

/**
 * A client for `cluster` that authenticates with the published credential but connects where the
 * operator's own kubeconfig says, trusting the operator's CA: nothing from the cluster chooses
 * where a request goes. Makes no request.
 */
export function clientWithCredential(cluster: ValidCluster, credential: InlineCredential): ClusterClient {
  const operator = loadKubeConfig(cluster.name, cluster.kubeconfigText);
  const { token, certData, keyData, username, password } = credential;
  return connectCluster({ name: cluster.name, kubeconfigText: kubeconfigWithUser(operator, { token, certData, keyData, username, password }) });
}

/** The kubeconfig text the registry publishes for a remote (configmap: the key of its file; secrets: its Secret), or why there is none. */
export async function publishedKubeconfig(cp: ClusterClient, config: MeshdConfig, remote: ValidCluster): Promise<string | { missing: string }> {
  const namespace = config.registry.namespace;
  if (config.registry.mode === 'configmap') {
    const cm = await cp.core.readNamespacedConfigMap({ name: REGISTRY_CONFIGMAP, namespace });
    const text = cm.data?.[remote.accessConfigFile];
    return text ?? { missing: `ConfigMap ${namespace}/${REGISTRY_CONFIGMAP} has no key ${remote.accessConfigFile}` };
  }
  const secret = await cp.core.readNamespacedSecret({ name: remote.name, namespace });
  const data = secret.data?.[remote.name];
  return data === undefined ? { missing: `Secret ${namespace}/${remote.name} has no key ${remote.name}` } : Buffer.from(data, 'base64').toString('utf8');
}

/** What Pilot lists on a remote; the published credential must be allowed each. */
export const PILOT_READS = ['pods', 'services', 'endpoints', 'namespaces', 'nodes'] as const;

/** Lists each of PILOT_READS once (limit 1) with `client`; returns the failures, as `resource: message`. */
export async function pilotReadFailures(client: ClusterClient, describe: (err: unknown) => string): Promise<string[]> {
  const lists: Record<(typeof PILOT_READS)[number], () => Promise<unknown>> = {
    pods: () => client.core.listPodForAllNamespaces({ limit: 1 }),
    services: () => client.core.listServiceForAllNamespaces({ limit: 1 }),
    endpoints: () => client.core.listEndpointsForAllNamespaces({ limit: 1 }),
    namespaces: () => client.core.listNamespace({ limit: 1 }),
    nodes: () => client.core.listNode({ limit: 1 }),
  };
  const results = await Promise.all(
    PILOT_READS.map(async (r) => {
      try {
        await lists[r]();
        return undefined;
      } catch (err) {
        return `${r}: ${describe(err)}`;
      }
    }),
  );
  return results.filter((r): r is string => r !== undefined);
}
