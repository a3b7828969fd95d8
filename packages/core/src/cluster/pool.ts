import { createHash } from 'node:crypto';
import { connectCluster } from './client.js';
import type { ClusterClient, ConnectOptions } from './client.js';

/**
 * Keeps one ClusterClient per (cluster name, kubeconfig content), so a long-running daemon reuses
 * connections and the API discovery each client caches, instead of rebuilding them every pass. A
 * changed kubeconfig gets a new client; `retain` drops clients of clusters that left the mesh.
 * Owns its clients; holds no cluster state.
 */
export class ConnectionPool {
  private readonly clients = new Map<string, { fingerprint: string; client: ClusterClient }>();

  constructor(private readonly options: Omit<ConnectOptions, 'name' | 'kubeconfigText'> = {}) {}

  /** The client for this cluster and kubeconfig (the same object while both stay the same). */
  connect(name: string, kubeconfigText: string): ClusterClient {
    const fingerprint = createHash('sha256').update(kubeconfigText).digest('hex');
    const known = this.clients.get(name);
    if (known && known.fingerprint === fingerprint) return known.client;
    const client = connectCluster({ ...this.options, name, kubeconfigText });
    this.clients.set(name, { fingerprint, client });
    return client;
  }

  /** Forgets every client whose cluster is not in `names`. */
  retain(names: Iterable<string>): void {
    const keep = new Set(names);
    for (const name of [...this.clients.keys()]) if (!keep.has(name)) this.clients.delete(name);
  }

  /** Number of clients held. */
  get size(): number {
    return this.clients.size;
  }
}
