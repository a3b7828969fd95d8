import { createHash } from 'node:crypto';
import { Agent } from 'node:https';
import type { AgentOptions } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { ConnectionOptions, SecureContext } from 'node:tls';
import { IDLE_SOCKET_MS } from './connection.js';
import { MAX_REQUESTS_PER_CLUSTER } from './request-limit.js';

/**
 * The TLS identity of a cluster's connection options: CA, client certificate and key (or PFX and
 * passphrase), server name and verification. Agents are kept while it stays the same and replaced
 * when it changes (a rotated certificate file, an exec plugin's new client certificate).
 */
export function tlsIdentity(options: AgentOptions): string {
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
 * The HTTPS agents of one cluster and TLS identity: requests and watches apart (a watch holds its
 * socket for minutes and must never wait for, or starve, requests), neither with a socket limit
 * (requests are limited before they reach the agent, request-limit.ts), keep-alive with as many idle
 * sockets kept as requests may be in flight, and the TLS settings for connections made without an
 * agent (HTTP/2 watches). Owned by the cluster's credentials (auth.ts, agent.ts).
 */
export interface ClusterAgents {
  identity: string;
  requests: Agent;
  watches: Agent;
  tls: ConnectionOptions;
}

/** Builds the ClusterAgents of `options` (one shared TLS context), whose identity is `identity` (tlsIdentity). */
export function httpsAgents(identity: string, options: AgentOptions): ClusterAgents {
  const secureContext = sharedSecureContext(options);
  const { ca, cert, key, pfx, passphrase, servername, rejectUnauthorized } = options;
  const tls: ConnectionOptions = { ca, cert, key, pfx, passphrase, servername, rejectUnauthorized, ...(secureContext ? { secureContext } : {}) };
  const base = { ...options, ...(secureContext ? { secureContext } : {}), keepAlive: true, timeout: IDLE_SOCKET_MS, maxFreeSockets: MAX_REQUESTS_PER_CLUSTER };
  return { identity, tls, requests: new Agent(base), watches: new Agent(base) };
}
