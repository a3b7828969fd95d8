import { abortableCall } from '@meshd/core/discovery';
import { deadline } from '@meshd/core/util';
import { type ClusterClient } from '@meshd/core/cluster';
import { type Logger } from '@meshd/core';
import { abortableSleep } from '../process/sleep.js';

/** How often the daemon asks each cluster for its version by default: 5 minutes, ±20 %. */
export const VERSION_PROBE_MS = 5 * 60_000;
/**
 * A cluster whose watches' connection stayed open since its last read is asked again at least this
 * often anyway (an L7 load balancer can keep the connection while the API servers behind it change).
 */
export const VERSION_RECHECK_MS = 60 * 60_000;

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

/** What the probe knew at its last read: the watches' connection open just before it (none: undefined) and when. */
export interface LastVersionRead {
  connection: object | undefined;
  atMs: number;
}

/**
 * Pure: whether the probe reads the version now. A server's version changes only when the server
 * restarts, and a restart closes every connection it served: while the watches' connection that was
 * open at the last read is still the one open (its PINGs and events prove it alive), the version
 * cannot have changed under it, and the read is skipped — up to `recheckMs` after the last read.
 * At 1 000 clusters that was ~3 reads a second of an idle daemon.
 */
export function versionReadDue(last: LastVersionRead | undefined, connection: object | undefined, nowMs: number, recheckMs: number): boolean {
  if (last === undefined || connection === undefined || last.connection !== connection) return true;
  return nowMs - last.atMs >= recheckMs;
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
  /** Reads at least this often even on an unbroken connection (default VERSION_RECHECK_MS). */
  recheckMs?: number;
  /** Milliseconds of a monotonic clock (default performance.now). */
  now?: () => number;
  /** The watches' connection open now (default the client's WatchTransport.openConnection); tests inject one. */
  connection?: () => object | undefined;
}

/**
 * Asks one cluster for its server version now and then every `intervalMs` (±20 %, so hundreds of
 * clusters do not ask at once) until `signal` aborts; a change calls onChange, which enqueues the
 * cluster so failures parked on what the old version served (MESHD_ERR_UNSERVED_API) are checked
 * again. A tick whose watches' connection is the one open at the last read skips the read
 * (versionReadDue), up to `recheckMs`. A failed read is logged at debug and skipped: the watches and
 * passes report unreachable clusters. Never throws. The caller (ClusterWatches) owns the signal.
 */
export async function watchServerVersion(o: VersionWatchOptions): Promise<void> {
  const sleep = o.sleep ?? abortableSleep;
  const random = o.random ?? Math.random;
  const now = o.now ?? (() => performance.now());
  let version: string | undefined;
  let lastRead: LastVersionRead | undefined;
  while (!o.signal.aborted) {
    const connection = o.connection ? o.connection() : o.client.watches.openConnection?.();
    if (versionReadDue(lastRead, connection, now(), o.recheckMs ?? VERSION_RECHECK_MS)) {
      const read = await readOnce(o, version);
      if (read !== undefined) [version, lastRead] = [read, { connection, atMs: now() }];
    }
    await sleep(jitteredInterval(o.intervalMs, 0.2, random()), o.signal);
  }
}

/** One read: the version (a change from `previous` logged and reported), or undefined when it failed (logged at debug). */
async function readOnce(o: VersionWatchOptions, previous: string | undefined): Promise<string | undefined> {
  try {
    const version = await o.read(o.client, o.signal);
    if (versionChanged(previous, version)) {
      o.logger.info({ cluster: o.cluster, from: previous, to: version }, 'the cluster reports another Kubernetes version; checking it again');
      o.onChange(previous!, version);
    }
    return version;
  } catch (err) {
    if (!o.signal.aborted) o.logger.debug({ cluster: o.cluster, err: err instanceof Error ? err.message : String(err) }, 'cannot read the server version');
    return undefined;
  }
}
