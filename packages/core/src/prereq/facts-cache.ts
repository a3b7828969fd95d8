import type { VersionInfo } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/client.js';
import { InFlightReads, type SharedReadRequest } from '../util/in-flight.js';
import { gatherClusterFacts, type ClusterFacts } from './facts.js';

/**
 * How long the facts a cluster rarely changes (its pod and service CIDRs, its identity) are kept
 * between passes: the daemon's version probe interval (VERSION_PROBE_MS), so a long-running daemon
 * re-reads them about as often as it asks each cluster for its version.
 */
export const STABLE_FACTS_TTL_MS = 5 * 60_000;

/** The facts of one cluster as last read whole, and when (milliseconds since the epoch, or the cache's clock). */
export interface KeptFacts {
  facts: ClusterFacts;
  readAt: number;
}

/** Whether kept facts may stand in for a read: `fresh`, or why not. */
export type FactsFreshness = 'fresh' | 'expired' | 'read after now';

/**
 * The one freshness rule of kept facts (the daemon's memory and the CLI's file): fresh while no
 * older than `ttlMs`; a time after `now` (the clock went back, or a stamp from elsewhere) is never
 * fresh. Pure.
 */
export function factsFreshness(readAt: number, now: number, ttlMs: number = STABLE_FACTS_TTL_MS): FactsFreshness {
  if (!Number.isFinite(readAt) || readAt > now) return 'read after now';
  return now - readAt <= ttlMs ? 'fresh' : 'expired';
}

/**
 * Where a ClusterFactsCache keeps each cluster's facts: the daemon's memory (per client, held
 * weakly), or the CLI's file in the state directory (state/kept-facts.ts, per server and credentials).
 * `recall` may read a file; `keep` and `forget` only change what the next `recall` answers.
 */
export interface FactsMemory {
  recall(client: ClusterClient): KeptFacts | undefined | Promise<KeptFacts | undefined>;
  keep(client: ClusterClient, kept: KeptFacts): void;
  forget(client: ClusterClient): void;
}

/** Why a probe read every fact (for a debug line). */
export type RereadReason = 'none kept' | FactsFreshness | 'version changed' | 'probe failed';

/** The daemon's memory: per client, held weakly (a cluster whose connection the pool dropped is forgotten with it). */
class ClientFacts implements FactsMemory {
  private readonly kept = new WeakMap<ClusterClient, KeptFacts>();
  recall(client: ClusterClient): KeptFacts | undefined {
    return this.kept.get(client);
  }
  keep(client: ClusterClient, kept: KeptFacts): void {
    this.kept.set(client, kept);
  }
  forget(client: ClusterClient): void {
    this.kept.delete(client);
  }
}

/** A ClusterFactsCache's options: its memory (default: per client, in this process), TTL, clock and a note of each full read. */
export interface FactsCacheOptions {
  memory?: FactsMemory;
  ttlMs?: number;
  now?: () => number;
  onReread?: (client: ClusterClient, reason: RereadReason) => void;
}

/**
 * What each cluster says about itself, kept between passes in a FactsMemory: the daemon's (in
 * memory) or the one-shot CLI's (a file in the state directory, state/kept-facts.ts). A pass still
 * asks every cluster for its version (one request: its liveness probe, as before); the Nodes,
 * kube-system and ServiceCIDR reads (4 round trips more, on the same 4-request budget as the pass's
 * own reads) are made again only when the kept ones are not fresh (factsFreshness), when the version
 * changed (an upgrade can serve new APIs), or after a probe failed (a failure forgets the cluster:
 * the next probe reads all). Probes in flight are shared by passes that start together
 * (InFlightReads). Owns its memory's entries; nobody retries for it (a failed probe is the pass's report).
 */
export class ClusterFactsCache {
  private readonly inFlight = new InFlightReads<ClusterFacts>();
  private readonly memory: FactsMemory;

  constructor(private readonly options: FactsCacheOptions = {}) {
    this.memory = options.memory ?? new ClientFacts();
  }

  /** The cluster's facts: its version read now, the rest kept (see the class) or read with it. */
  facts(client: ClusterClient, request: SharedReadRequest = {}): Promise<ClusterFacts> {
    return this.inFlight.get(client, 'facts', request, () => this.probe(client));
  }

  /** Forgets what `client`'s cluster said: its next probe reads every fact. */
  forget(client: ClusterClient): void {
    this.memory.forget(client);
  }

  private async probe(client: ClusterClient): Promise<ClusterFacts> {
    // /version first, before anything is awaited: a cluster's first request goes alone (probeCluster).
    const asked = client.version.getCode();
    void asked.catch(() => undefined); // awaited below; a failure before that point is reported by the catch
    try {
      const kept = await this.memory.recall(client);
      const freshness = kept === undefined ? 'none kept' : factsFreshness(kept.readAt, this.now(), this.options.ttlMs);
      if (kept === undefined || freshness !== 'fresh') return await this.readWhole(client, freshness, asked);
      const version = await asked;
      if (version.gitVersion !== kept.facts.gitVersion) return await this.readWhole(client, 'version changed', asked);
      return { ...kept.facts, major: version.major, minor: version.minor };
    } catch (err) {
      this.forget(client);
      this.options.onReread?.(client, 'probe failed');
      throw err;
    }
  }

  private async readWhole(client: ClusterClient, reason: RereadReason, version: Promise<VersionInfo>): Promise<ClusterFacts> {
    this.options.onReread?.(client, reason);
    const facts = await gatherClusterFacts(client, undefined, version);
    this.memory.keep(client, { facts, readAt: this.now() });
    return facts;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** The daemon's probes: stable facts kept between passes, probes in flight shared (ClusterFactsCache). */
const daemonFacts = new ClusterFactsCache();

/** How a pass asks for a cluster's facts: a shared read, and the CLI's facts kept across runs, if any. */
export interface FactsRequest extends SharedReadRequest {
  /** The one-shot CLI's cache over the state directory's facts file (state/kept-facts.ts). */
  kept?: ClusterFactsCache | undefined;
}

/**
 * A cluster's facts for a pass. With `request.since` (the daemon's keys) the probe is the daemon's
 * ClusterFactsCache: shared with any probe of the same client still in flight that started at or
 * after `since` (a Pilot move's keys read the control plane's facts once, not once each), and only
 * /version read while the cluster's CIDRs and identity are fresh. Without it (the one-shot CLI) it is
 * `request.kept`'s cache (the same rule, over the state directory's file), or gatherClusterFacts
 * (every fact read now) without one.
 */
export function sharedClusterFacts(client: ClusterClient, request: FactsRequest = {}): Promise<ClusterFacts> {
  if (request.since !== undefined) return daemonFacts.facts(client, request);
  if (request.kept !== undefined) return request.kept.facts(client, { signal: request.signal });
  return gatherClusterFacts(client, request.signal);
}
