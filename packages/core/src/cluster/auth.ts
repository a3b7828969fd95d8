import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import type { AgentOptions } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import type { KubeconfigView } from './kubeconfig-view.js';
import { IDLE_SOCKET_MS } from './connection.js';
import type { ConnectionSetup, RequestAuth } from './connection.js';
import { MeshdError } from '../errors.js';
import { credentialFailure } from './failure.js';
import { impersonationHeaders } from './impersonation.js';
import { MAX_REQUESTS_PER_CLUSTER } from './request-limit.js';
import { httpsAgents, tlsIdentity } from './tls-agents.js';
import type { ClusterAgents } from './tls-agents.js';

/** The agents of a cluster: HTTPS ones per TLS identity (tls-agents.ts), or plain HTTP ones. */
function agentsFor(secure: boolean, options: AgentOptions): ClusterAgents | PlainAgents {
  const identity = tlsIdentity(options);
  if (secure) return httpsAgents(identity, options);
  const plain = { keepAlive: true, timeout: IDLE_SOCKET_MS, maxFreeSockets: MAX_REQUESTS_PER_CLUSTER };
  return { identity, requests: new HttpAgent(plain), watches: new HttpAgent(plain), tls: {} };
}

/** A plain-HTTP server's agents (no TLS). */
interface PlainAgents {
  identity: string;
  requests: HttpAgent;
  watches: HttpAgent;
  tls: ConnectionOptions;
}

/** Reads a file a kubeconfig names (CA, client certificate or key, token file). */
async function fileText(path: string): Promise<string> {
  return await readFile(path, 'utf8');
}

const decoded = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

/** The TLS options of a kubeconfig's cluster and user (files read now: a rotated file is read again on the next request). */
async function tlsOptionsOf(view: KubeconfigView): Promise<AgentOptions> {
  const { cluster, user } = view;
  const options: AgentOptions = {};
  if (cluster.caData) options.ca = decoded(cluster.caData);
  else if (cluster.caFile) options.ca = await fileText(cluster.caFile);
  if (user.certData) options.cert = decoded(user.certData);
  else if (user.certFile) options.cert = await fileText(user.certFile);
  if (user.keyData) options.key = decoded(user.keyData);
  else if (user.keyFile) options.key = await fileText(user.keyFile);
  if (cluster.skipTLSVerify) options.rejectUnauthorized = false;
  if (cluster.tlsServerName) options.servername = cluster.tlsServerName;
  return options;
}

/** The Authorization header of a token, a token file (read for each request: bound tokens rotate) or basic auth. */
async function authorizationOf(view: KubeconfigView): Promise<Record<string, string>> {
  const { user } = view;
  if (user.token) return { authorization: `Bearer ${user.token}` };
  if (user.tokenFile) return { authorization: `Bearer ${(await fileText(user.tokenFile)).trim()}` };
  if (user.username !== undefined && user.password !== undefined)
    return { authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}` };
  return {};
}

/**
 * Credentials meshd applies itself: tokens, token files, basic auth, client certificates, CA
 * data or files, skip-verify and server name. Requests reuse keep-alive connections and one TLS
 * context per identity; the agents are replaced when the identity changes (a rotated file).
 * Idle sockets are unreferenced by Node's agent: they never keep a CLI process alive.
 */
class KubeconfigAuth implements RequestAuth {
  private agents: ClusterAgents | PlainAgents | undefined;
  private readonly secure: boolean;

  constructor(private readonly view: KubeconfigView) {
    this.secure = view.cluster.server.startsWith('https:');
  }

  async setup(purpose: 'requests' | 'watches'): Promise<ConnectionSetup> {
    let options: AgentOptions;
    let headers: Record<string, string | string[]>;
    try {
      [options, headers] = await Promise.all([this.secure ? tlsOptionsOf(this.view) : Promise.resolve({}), authorizationOf(this.view)]);
    } catch (err) {
      throw credentialFailure(this.view, err);
    }
    const identity = tlsIdentity(options);
    if (this.agents?.identity !== identity) this.agents = agentsFor(this.secure, options);
    const agents = this.agents;
    return {
      headers: { ...headers, ...impersonationHeaders(this.view) },
      agent: agents[purpose],
      tls: this.secure ? { identity, options: agents.tls } : undefined,
    };
  }
}

/**
 * True when a kubeconfig needs @kubernetes/client-node's credential code: an exec plugin, an
 * auth-provider or a proxy. Such a kubeconfig loads client-node on its first request
 * (lazy-auth.ts); every other one never does. Impersonation is meshd's own either way.
 */
export function needsClientNode(view: KubeconfigView): boolean {
  const { user, cluster } = view;
  return user.exec !== undefined || user.authProvider !== undefined || cluster.proxyUrl !== undefined;
}

/** A `proxy-url` meshd does not speak (anything but an http:// or https:// CONNECT proxy), as a setup that always fails saying so. */
function unsupportedProxy(view: KubeconfigView): RequestAuth | undefined {
  const proxy = view.cluster.proxyUrl;
  if (proxy === undefined || /^https?:\/\//i.test(proxy)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(proxy)?.[1] ?? 'this';
  const error = new MeshdError(
    'MESHD_ERR_INVALID_KUBECONFIG',
    `kubeconfig proxy-url: ${scheme} proxies are not supported; use an http:// or https:// proxy that speaks HTTP CONNECT`,
  );
  return { setup: () => Promise.reject(error) };
}

/** The request credentials of a kubeconfig: meshd's own, or client-node's for what only it speaks, loaded on first use. */
export function authFor(view: KubeconfigView): RequestAuth {
  const refused = unsupportedProxy(view);
  if (refused) return refused;
  if (!needsClientNode(view)) return new KubeconfigAuth(view);
  let loaded: Promise<RequestAuth> | undefined;
  return {
    setup: async (purpose) => {
      loaded ??= import('./lazy-auth.js').then((m) => m.clientNodeAuth(view));
      return (await loaded).setup(purpose);
    },
  };
}
