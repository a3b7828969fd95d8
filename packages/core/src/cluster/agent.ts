import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import type { AgentOptions, RequestOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { ConnectionOptions, SecureContext } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';

/** client-node's Watch, for the HTTP/1.1 watches (http2-watch.ts loads this module lazily). */
export { Watch } from '@kubernetes/client-node';
import type { Agent as HttpAgent } from 'node:http';
import type { ConnectionSetup } from './connection.js';
import { MAX_REQUESTS_PER_CLUSTER } from './request-limit.js';
import { IDLE_SOCKET_MS } from './connection.js';

/** Idle sockets kept per cluster (as many as requests in flight); the rest close when their request ends. */
const MAX_FREE_SOCKETS_PER_CLUSTER = MAX_REQUESTS_PER_CLUSTER;

/** The TLS identity an agent was built for: CA, client certificate and key, verification settings. */
function identityOf(options: AgentOptions): string {
  const hash = createHash('sha256');
  for (const part of [options.ca, options.cert, options.key, options.pfx, options.passphrase, options.servername, options.rejectUnauthorized]) {
    const items = Array.isArray(part) ? part : [part];
    for (const item of items)
      hash.update(item === undefined ? '\u0000' : typeof item === 'object' && !Buffer.isBuffer(item) ? JSON.stringify(item) : String(item)).update('\u0001');
  }
  return hash.digest('hex');
}

/**
 * One TLS context for all of a cluster's connections (tls.connect would parse the CA, certificate
 * and key again for each). Undefined when they do not parse: each connection then fails with the
 * TLS error it always did, and the cluster is reported as before.
 */
function sharedSecureContext(options: AgentOptions): SecureContext | undefined {
  const { ca, cert, key, pfx, passphrase } = options;
  try {
    return createSecureContext({ ca, cert, key, pfx, passphrase });
  } catch {
    return undefined;
  }
}

/**
 * The agents of one TLS identity, neither with a socket limit: requests are limited before they
 * reach the agent (request-limit.ts), and a watch holds its socket for minutes, so watches have their
 * own agent and never wait for, or starve, requests.
 */
interface IdentityAgents {
  identity: string;
  requests: Agent;
  watches: Agent;
  /** The cluster's TLS settings, for connections made without an agent (HTTP/2 watches). */
  tls: ConnectionOptions;
}

function agentsFor(identity: string, options: AgentOptions): IdentityAgents {
  const secureContext = sharedSecureContext(options);
  const base = { ...options, ...(secureContext ? { secureContext } : {}), keepAlive: true, timeout: IDLE_SOCKET_MS };
  const { ca, cert, key, pfx, passphrase, servername, rejectUnauthorized } = options;
  return {
    identity,
    tls: { ca, cert, key, pfx, passphrase, servername, rejectUnauthorized, ...(secureContext ? { secureContext } : {}) },
    requests: new Agent({ ...base, maxFreeSockets: MAX_FREE_SOCKETS_PER_CLUSTER }),
    watches: new Agent({ ...base, maxFreeSockets: MAX_FREE_SOCKETS_PER_CLUSTER }),
  };
}

/**
 * A kubeconfig whose requests and watches reuse connections and one TLS context per cluster, for
 * the kubeconfigs only @kubernetes/client-node speaks (exec plugins, auth-providers and
 * proxies; loaded lazily, lazy-auth.ts). client-node builds a new https.Agent for every request, so
 * each would pay a TCP connection, a TLS context and a handshake. Headers (bearer token, exec
 * credentials, basic auth) still come from the kubeconfig on every request; the agents are replaced
 * when the TLS identity changes (an exec plugin returning a new client certificate, say). Proxy
 * agents are left as client-node builds them.
 */
export class ConnectionReusingKubeConfig extends KubeConfig {
  private agents: IdentityAgents | undefined;

  /** The shared agent for `built` (an agent client-node just made), or `built` itself when it is not plain HTTPS. */
  private shared(built: unknown, purpose: 'requests' | 'watches'): unknown {
    if (!(built instanceof Agent) || built.constructor !== Agent) return built;
    const identity = identityOf(built.options);
    if (this.agents?.identity !== identity) this.agents = agentsFor(identity, built.options);
    return this.agents[purpose];
  }

  /** Headers, agent and (plain HTTPS) TLS settings for one request or watch. */
  async connectionSetup(purpose: 'requests' | 'watches'): Promise<ConnectionSetup> {
    const init = await super.applyToFetchOptions({});
    const agent = this.shared(init.agent, purpose) as HttpAgent;
    const headers: Record<string, string> = {};
    // client-node builds node-fetch's Headers (iterable); a plain record is taken as well.
    const given = (init.headers ?? {}) as Iterable<[string, string]> | Record<string, string>;
    const entries = Symbol.iterator in given ? [...given] : Object.entries(given);
    for (const [name, value] of entries) headers[name.toLowerCase()] = String(value);
    const agents = this.agents;
    const tls = agents !== undefined && agent === agents[purpose] ? { identity: agents.identity, options: agents.tls } : undefined;
    return { headers, agent, tls };
  }

  /** Watches (client-node's Watch asks for its fetch options here). */
  override async applyToFetchOptions(opts: RequestOptions): Promise<FetchOptions> {
    const init = await super.applyToFetchOptions(opts);
    return { ...init, agent: this.shared(init.agent, 'watches') } as FetchOptions;
  }
}

/** What client-node hands to fetch (node-fetch's RequestInit). */
type FetchOptions = Awaited<ReturnType<KubeConfig['applyToFetchOptions']>>;
