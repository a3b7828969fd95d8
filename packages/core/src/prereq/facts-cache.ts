import type { ClusterClient } from '../cluster/client.js';
import { InFlightReads, type SharedReadRequest } from '../util/in-flight.js';
import { gatherClusterFacts, type ClusterFacts } from './facts.js';

/**
 * How long the facts a cluster rarely changes (its pod and service CIDRs, its identity) are kept
 * between passes: the daemon's version probe interval (VERSION_PROBE_MS), so a long-running daemon
 * re-reads them about as often as it asks each cluster for its version.
 */
export const STABLE_FACTS_TTL_MS = 5 * 60_000;

/** The facts of one cluster as last read whole, and when (the cache's clock). */
interface KeptFacts {
  facts: ClusterFacts;
  readAt: number;
}

/**
 * A daemon's memory of what each cluster says about itself, per client (held weakly: a cluster
 * whose connection the pool dropped is forgotten with it). A pass still asks every cluster for its
 * version (one request: its liveness probe, as before); the Nodes, kube-system and ServiceCIDR reads
 * (4 round trips more, on the same 4-request budget as the pass's own reads) are made again only
 * when the kept ones are older than the TTL, when the version changed (an upgrade can serve new
 * APIs), or after a probe failed (a failure forgets the cluster: the next probe reads all). Probes
 * in flight are shared by passes that start together (InFlightReads). Owns its entries; nobody
 * retries for it (a failed probe is the pass's report).
 */
export class ClusterFactsCache {
  private readonly kept = new WeakMap<ClusterClient, KeptFacts>();
  private readonly inFlight = new InFlightReads<ClusterFacts>();

  constructor(private readonly options: { ttlMs?: number; now?: () => number } = {}) {}

  /** The cluster's facts: its version read now, the rest kept (see the class) or read with it. */
  facts(client: ClusterClient, request: SharedReadRequest = {}): Promise<ClusterFacts> {
    return this.inFlight.get(client, 'facts', request, () => this.probe(client));
  }

  /** Forgets what `client`'s cluster said: its next probe reads every fact. */
  forget(client: ClusterClient): void {
    this.kept.delete(client);
  }

  private async probe(client: ClusterClient): Promise<ClusterFacts> {
    const kept = this.fresh(client);
    try {
      if (kept === undefined) return this.keep(client, await gatherClusterFacts(client));
      const version = await client.version.getCode();
      if (version.gitVersion !== kept.gitVersion) return this.keep(client, await gatherClusterFacts(client));
      return { ...kept, major: version.major, minor: version.minor };
    } catch (err) {
      this.forget(client);
      throw err;
    }
  }

  /** The kept facts while younger than the TTL; undefined otherwise. */
  private fresh(client: ClusterClient): ClusterFacts | undefined {
    const entry = this.kept.get(client);
    if (entry === undefined) return undefined;
    return this.now() - entry.readAt <= (this.options.ttlMs ?? STABLE_FACTS_TTL_MS) ? entry.facts : undefined;
  }

  private keep(client: ClusterClient, facts: ClusterFacts): ClusterFacts {
    this.kept.set(client, { facts, readAt: this.now() });
    return facts;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** The daemon's probes: stable facts kept between passes, probes in flight shared (ClusterFactsCache). */
const daemonFacts = new ClusterFactsCache();

/**
 * A cluster's facts for a pass. Without `request.since` (the one-shot CLI) it is gatherClusterFacts,
 * every fact read now. With it (the daemon's keys) the probe is ClusterFactsCache's: shared with any
 * probe of the same client still in flight that started at or after `since` (a Pilot move's keys
 * read the control plane's facts once, not once each), and only /version read while the cluster's
 * CIDRs and identity are fresh.
 */
export function sharedClusterFacts(client: ClusterClient, request: SharedReadRequest = {}): Promise<ClusterFacts> {
  if (request.since === undefined) return gatherClusterFacts(client, request.signal);
  return daemonFacts.facts(client, request);
}
