import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import type { AgentOptions, RequestOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { ConnectionOptions, SecureContext } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import type { RequestContext } from '@kubernetes/client-node';
import { MAX_REQUESTS_PER_CLUSTER } from './request-limit.js';

/** What client-node hands to fetch (node-fetch's RequestInit). */
type FetchOptions = Awaited<ReturnType<KubeConfig['applyToFetchOptions']>>;

/**
 * Idle sockets close after this long: long enough to carry one pass's requests to a cluster, short
 * enough that a daemon with hundreds of clusters does not hold a TLS connection to each between
 * passes (and well under kube-apiserver's own 90 s, so a reuse never races the server's close).
 */
const IDLE_SOCKET_MS = 5_000;
/** Idle sockets kept per cluster (as many as requests in flight); the rest close when their request ends. */
const MAX_FREE_SOCKETS_PER_CLUSTER = MAX_REQUESTS_PER_CLUSTER;

/** The TLS identity an agent was built for: CA, client certificate and key, verification settings. */
function identityOf(options: AgentOptions): string {
  const hash = createHash('sha256');
  for (const part of [options.ca, options.cert, options.key, options.pfx, options.passphrase, options.servername, options.rejectUnauthorized]) {
    const items = Array.isArray(part) ? part : [part];
    for (const item of items) hash.update(item === undefined ? '\u0000' : typeof item === 'object' && !Buffer.isBuffer(item) ? JSON.stringify(item) : String(item)).update('\u0001');
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
 * What a watch over HTTP/2 needs from the kubeconfig: this request's headers (the token or exec
 * credential of the moment), the TLS settings of the cluster's connections, and their identity
 * (a new identity needs a new connection).
 */
export interface WatchConnectionSetup {
  identity: string;
  headers: Record<string, string>;
  tls: ConnectionOptions;
}

/**
 * A kubeconfig whose requests and watches reuse connections and one TLS context per cluster.
 * @kubernetes/client-node builds a new https.Agent for every request and every watch, so each pays a
 * TCP connection, a TLS context and a handshake. Headers (bearer token, exec credentials, basic
 * auth) still come from the kubeconfig on every request; the agents are replaced when the TLS
 * identity changes (an exec plugin returning a new client certificate, say). Proxy and plain-HTTP
 * agents are left as client-node builds them. Idle sockets are unreferenced: they never keep a CLI
 * process alive.
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

  /**
   * Headers and TLS settings for one watch request made outside client-node (http2-watch.ts), or
   * undefined when client-node would not use a plain HTTPS agent (a proxy, plain HTTP): such a
   * watch goes through client-node's own Watch.
   */
  async watchConnectionSetup(): Promise<WatchConnectionSetup | undefined> {
    const init = await super.applyToFetchOptions({});
    if (!(init.agent instanceof Agent) || init.agent.constructor !== Agent) return undefined;
    this.shared(init.agent, 'watches');
    const agents = this.agents;
    if (!agents) return undefined;
    const headers: Record<string, string> = {};
    // client-node builds node-fetch's Headers (iterable); a plain record is taken as well.
    const given = (init.headers ?? {}) as Iterable<[string, string]> | Record<string, string>;
    const entries = Symbol.iterator in given ? [...(given)] : Object.entries(given);
    for (const [name, value] of entries) headers[name.toLowerCase()] = String(value);
    return { identity: agents.identity, headers, tls: agents.tls };
  }

  /** Requests from the generated API clients (createConfiguration's authMethods). */
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const agent = this.shared(context.getAgent(), 'requests') as ReturnType<RequestContext['getAgent']>;
    if (agent) context.setAgent(agent);
  }

  /** Watches (client-node's Watch asks for its fetch options here). */
  override async applyToFetchOptions(opts: RequestOptions): Promise<FetchOptions> {
    const init = await super.applyToFetchOptions(opts);
    return { ...init, agent: this.shared(init.agent, 'watches') } as FetchOptions;
  }
}
