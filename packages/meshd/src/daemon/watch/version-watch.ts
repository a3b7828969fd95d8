import { abortableCall } from '@meshd/core/discovery';
import { deadline } from '@meshd/core/util';
import { type ClusterClient } from '@meshd/core/cluster';
import { type Logger } from '@meshd/core';
import { abortableSleep } from '../process/sleep.js';

/** How often the daemon asks each cluster for its version by default: 5 minutes, ±20 %. */
export const VERSION_PROBE_MS = 5 * 60_000;

/** Reads a cluster's server version (`/version` gitVersion); injected in tests. */
export type ServerVersionSource = (client: ClusterClient, signal: AbortSignal) => Promise<string>;

/** A read of /version on the watches' connection gives up after this long (an ordinary request has its own limit). */
const SHARED_READ_TIMEOUT_MS = 10_000;

/**
 * The real source: GET /version on the connection the cluster's watches hold when one is open (no
 * new TLS connection every few minutes per cluster: at 1 000 clusters that was ~3 handshakes a
 * second of an idle daemon), else through the cluster's client.
 */
export const readServerVersion: ServerVersionSource = async (client, signal) => {
  // deadline(), not AbortSignal.any over AbortSignal.timeout: that timeout can be lost to a GC (nodejs/node#57736).
  const limit = deadline(SHARED_READ_TIMEOUT_MS, signal);
  let shared: unknown;
  try {
    shared = await client.watches.read?.('/version', limit.signal);
  } finally {
    limit.dispose();
  }
  if (shared !== undefined) return gitVersionOf(shared);
  return (await client.version.getCode(undefined, abortableCall(signal))).gitVersion;
};

/** The gitVersion of a /version answer; an answer without one is an error (the read is skipped). */
function gitVersionOf(answer: unknown): string {
  const version = (answer as { gitVersion?: unknown } | null)?.gitVersion;
  if (typeof version !== 'string') throw new Error('GET /version: the answer has no gitVersion');
  return version;
}

/** Pure: whether a version read means the cluster changed since the last one (the first read only sets the baseline). */
export function versionChanged(previous: string | undefined, current: string): boolean {
  return previous !== undefined && previous !== current;
}

/** Pure: the wait before the next read, `intervalMs` spread by ±`jitter` (0–1) with `random` in [0, 1). */
export function jitteredInterval(intervalMs: number, jitter: number, random: number): number {
  return Math.round(intervalMs * (1 - jitter + 2 * jitter * random));
}

/** Options of watchServerVersion. */
export interface VersionWatchOptions {
  cluster: string;
  client: ClusterClient;
  read: ServerVersionSource;
  intervalMs: number;
  /** Called when the version differs from the previous read (an upgrade or downgrade). */
  onChange: (from: string, to: string) => void;
  signal: AbortSignal;
  logger: Logger;
  /** Waits between reads (default abortableSleep); tests pass one that resolves at once. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * Asks one cluster for its server version now and then every `intervalMs` (±20 %, so hundreds of
 * clusters do not ask at once) until `signal` aborts; a change calls onChange, which enqueues the
 * cluster so failures parked on what the old version served (MESHD_ERR_UNSERVED_API) are checked
 * again. A failed read is logged at debug and skipped: the watches and passes report unreachable
 * clusters. Never throws. The caller (ClusterWatches) owns the signal.
 */
export async function watchServerVersion(o: VersionWatchOptions): Promise<void> {
  const sleep = o.sleep ?? abortableSleep;
  const random = o.random ?? Math.random;
  let last: string | undefined;
  while (!o.signal.aborted) {
    try {
      const version = await o.read(o.client, o.signal);
      if (versionChanged(last, version)) {
        o.logger.info({ cluster: o.cluster, from: last, to: version }, 'the cluster reports another Kubernetes version; checking it again');
        o.onChange(last!, version);
      }
      last = version;
    } catch (err) {
      if (!o.signal.aborted) o.logger.debug({ cluster: o.cluster, err: err instanceof Error ? err.message : String(err) }, 'cannot read the server version');
    }
    await sleep(jitteredInterval(o.intervalMs, 0.2, random()), o.signal);
  }
}
