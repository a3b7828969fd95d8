import { stringify } from 'yaml';
import { MeshdError } from '../errors.js';
import { isHeaderText } from './header-text.js';
import { kubeconfigValue } from './kubeconfig-value.js';

/** The current context's cluster, with the names @kubernetes/client-node gives its fields. */
export interface KubeconfigCluster {
  name: string;
  /** API server URL, without a trailing slash. */
  server: string;
  caData?: string | undefined;
  caFile?: string | undefined;
  skipTLSVerify: boolean;
  tlsServerName?: string | undefined;
  proxyUrl?: string | undefined;
}

/** The current context's user, with the names @kubernetes/client-node gives its fields. */
export interface KubeconfigUser {
  name: string;
  token?: string | undefined;
  tokenFile?: string | undefined;
  certData?: string | undefined;
  certFile?: string | undefined;
  keyData?: string | undefined;
  keyFile?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  exec?: unknown;
  authProvider?: unknown;
  /** `as`, `as-uid`, `as-groups`, `as-user-extra`: who the requests act as (auth.ts sends the Impersonate-* headers). */
  impersonate?: Impersonation | undefined;
}

/** The identity a kubeconfig user's requests impersonate (kubectl's `as*` fields). */
export interface Impersonation {
  user: string;
  uid?: string | undefined;
  groups: string[];
  /** `as-user-extra`: key → values. */
  extra: Record<string, string[]>;
}

/**
 * A kubeconfig read for connecting: the current context's cluster and user, the context's
 * namespace, and the text itself (what a helm subprocess is handed). Plain data: reading it makes
 * no request and loads no Kubernetes client.
 */
export interface KubeconfigView {
  readonly text: string;
  readonly currentContext: string;
  readonly cluster: KubeconfigCluster;
  readonly user: KubeconfigUser;
  readonly namespace: string | undefined;
  /** The raw `cluster` mapping of the current context's cluster (for a kubeconfig built from it). */
  readonly rawCluster: Record<string, unknown>;
  /** client-node's names: the current context's name. */
  getCurrentContext(): string;
  /** client-node's names: the current cluster. */
  getCurrentCluster(): KubeconfigCluster;
  /** client-node's names: the current user. */
  getCurrentUser(): KubeconfigUser;
  /** client-node's names: the kubeconfig as text (the text it was read from). */
  exportConfig(): string;
}

type Entry = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const isEntry = (v: unknown): v is Entry => typeof v === 'object' && v !== null && !Array.isArray(v);

function named(list: unknown, name: string, what: string, key: string): Entry {
  const items = Array.isArray(list) ? list.filter(isEntry) : [];
  const found = items.find((i) => i.name === name);
  const inner = found?.[key];
  if (!found || !isEntry(inner)) throw new Error(`${what} "${name}" is missing`);
  return inner;
}

function clusterOf(name: string, raw: Entry): KubeconfigCluster {
  const server = str(raw.server);
  if (!server) throw new Error(`cluster "${name}" has no server`);
  return {
    name,
    server: server.replace(/\/$/, ''),
    caData: str(raw['certificate-authority-data']),
    caFile: str(raw['certificate-authority']),
    skipTLSVerify: raw['insecure-skip-tls-verify'] === true,
    tlsServerName: str(raw['tls-server-name']),
    proxyUrl: str(raw['proxy-url']),
  };
}

/** A header value: text without control characters (a newline would start another header). */
function headerText(v: unknown, what: string): string {
  if (!isHeaderText(v)) throw new Error(`user "${what}" must be a non-empty single-line string`);
  return v;
}

function headerTexts(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Error(`user "${what}" must be a list of strings`);
  return v.map((item) => headerText(item, what));
}

/** The user's impersonation; groups, uid or extras without `as` is an error (kubectl's rule too). */
function impersonationOf(raw: Entry): Impersonation | undefined {
  const groups = headerTexts(raw['as-groups'], 'as-groups');
  const extraRaw = raw['as-user-extra'] ?? {};
  if (!isEntry(extraRaw)) throw new Error('user "as-user-extra" must be a mapping of lists');
  const extra = Object.fromEntries(Object.entries(extraRaw).map(([key, values]) => [headerText(key, 'as-user-extra'), headerTexts(values, 'as-user-extra')]));
  if (raw.as === undefined || raw.as === null || raw.as === '') {
    if (groups.length > 0 || raw['as-uid'] !== undefined || Object.keys(extra).length > 0)
      throw new Error('user impersonates groups, a uid or extras without "as" (the user to impersonate)');
    return undefined;
  }
  const user = headerText(raw.as, 'as');
  const uid = raw['as-uid'] === undefined ? undefined : headerText(raw['as-uid'], 'as-uid');
  return { user, uid, groups, extra };
}

function userOf(name: string, raw: Entry): KubeconfigUser {
  return {
    name,
    token: str(raw.token),
    tokenFile: str(raw['token-file']),
    certData: str(raw['client-certificate-data']),
    certFile: str(raw['client-certificate']),
    keyData: str(raw['client-key-data']),
    keyFile: str(raw['client-key']),
    username: str(raw.username),
    password: str(raw.password),
    exec: raw.exec ?? undefined,
    authProvider: raw['auth-provider'] ?? undefined,
    impersonate: impersonationOf(raw),
  };
}

function readView(text: string): KubeconfigView {
  const doc = kubeconfigValue(text);
  if (!isEntry(doc)) throw new Error('not a kubeconfig mapping');
  const currentContext = str(doc['current-context']);
  if (!currentContext) throw new Error('no current-context');
  const context = named(doc.contexts, currentContext, 'context', 'context');
  const clusterName = str(context.cluster);
  if (!clusterName) throw new Error(`context "${currentContext}" names no cluster`);
  const rawCluster = named(doc.clusters, clusterName, 'cluster', 'cluster');
  const userName = str(context.user);
  const rawUser = userName ? named(doc.users, userName, 'user', 'user') : {};
  const cluster = clusterOf(clusterName, rawCluster);
  const user = userOf(userName ?? '', rawUser);
  return {
    text,
    currentContext,
    cluster,
    user,
    rawCluster,
    namespace: str(context.namespace),
    getCurrentContext: () => currentContext,
    getCurrentCluster: () => cluster,
    getCurrentUser: () => user,
    exportConfig: () => text,
  };
}

/**
 * Reads a kubeconfig's current context (its cluster, user and namespace); a kubeconfig that does
 * not parse or has no usable current context is MESHD_ERR_INVALID_KUBECONFIG. The message names
 * contexts, clusters and users, never a value (values may be credentials).
 */
export function readKubeconfig(name: string, text: string): KubeconfigView {
  try {
    return readView(text);
  } catch (err) {
    const why = err instanceof Error && !/\n/.test(err.message) && err.name === 'Error' ? err.message : 'it does not parse as YAML';
    throw new MeshdError('MESHD_ERR_INVALID_KUBECONFIG', `cluster ${name}: kubeconfig cannot be loaded: ${why}`);
  }
}

/** The credential fields a kubeconfig user may carry, as meshd publishes and verifies them. */
export interface InlineUser {
  token?: string | undefined;
  certData?: string | undefined;
  keyData?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

/** A kubeconfig text for `view`'s cluster (same server, CA and TLS settings) with another, inline user. Pure. */
export function kubeconfigWithUser(view: KubeconfigView, user: InlineUser): string {
  const entry: Entry = {};
  if (user.token !== undefined) entry.token = user.token;
  if (user.certData !== undefined) entry['client-certificate-data'] = user.certData;
  if (user.keyData !== undefined) entry['client-key-data'] = user.keyData;
  if (user.username !== undefined) entry.username = user.username;
  if (user.password !== undefined) entry.password = user.password;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'verify',
    clusters: [{ name: view.cluster.name, cluster: view.rawCluster }],
    users: [{ name: 'published', user: entry }],
    contexts: [{ name: 'verify', context: { cluster: view.cluster.name, user: 'published' } }],
  });
}
