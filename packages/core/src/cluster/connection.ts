import type { Agent as HttpAgent } from 'node:http';
import type { ConnectionOptions } from 'node:tls';

/**
 * Idle sockets close after this long: long enough to carry one pass's requests to a cluster, short
 * enough that a daemon with hundreds of clusters does not hold a TLS connection to each between
 * passes (and well under kube-apiserver's own 90 s, so a reuse never races the server's close).
 */
export const IDLE_SOCKET_MS = 5_000;

/**
 * What one request to the cluster goes out with: its headers (the token or exec credential of the
 * moment), the agent to send it through, and for a plain HTTPS connection its TLS settings and
 * their identity (an HTTP/2 watch connects with them; a new identity needs a new connection).
 */
export interface ConnectionSetup {
  /** A list is sent as one header line per value (Impersonate-Group). */
  headers: Record<string, string | string[]>;
  /** The agent for requests (keep-alive, shared) or, for a proxied kubeconfig, the proxy's. */
  agent: HttpAgent;
  /** Set for plain HTTPS: what an HTTP/2 watch needs. Undefined for plain HTTP and proxies. */
  tls?: { identity: string; options: ConnectionOptions } | undefined;
  /** The proxy the connections go through (kubeconfig `proxy-url`, without credentials): named in network errors. */
  proxy?: string | undefined;
}

/** Where a cluster's requests get their credentials and connections. */
export interface RequestAuth {
  /** The setup for the next request (or watch); a credential that cannot be had is a MeshdError (credentialFailure). */
  setup(purpose: 'requests' | 'watches'): Promise<ConnectionSetup>;
}
