import { Agent } from 'node:https';
import type { RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';

/** client-node's Watch, for the HTTP/1.1 watches (http2-watch.ts loads this module lazily). */
export { Watch } from '@kubernetes/client-node';
import type { Agent as HttpAgent } from 'node:http';
import type { ConnectionSetup } from './connection.js';
import { httpsAgents, tlsIdentity } from './tls-agents.js';
import type { ClusterAgents } from './tls-agents.js';

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
  private agents: ClusterAgents | undefined;

  /** The shared agent for `built` (an agent client-node just made), or `built` itself when it is not plain HTTPS. */
  private shared(built: unknown, purpose: 'requests' | 'watches'): unknown {
    if (!(built instanceof Agent) || built.constructor !== Agent) return built;
    const identity = tlsIdentity(built.options);
    if (this.agents?.identity !== identity) this.agents = httpsAgents(identity, built.options);
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
