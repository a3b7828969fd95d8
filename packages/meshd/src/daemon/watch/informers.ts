import type { KubernetesObject } from '@kubernetes/client-node';
import { abortableCall } from '@meshd/core/discovery';
import { deadline } from '@meshd/core/util';
import { MAX_RESPONSE_BYTES, type ClusterClient, type WatchHandle } from '@meshd/core/cluster';
import { type Logger, type WatchTarget } from '@meshd/core';
import { backoffDelay } from '../queue/backoff.js';
import { abortableSleep } from '../process/sleep.js';
import { cachedForm } from './watch-cache.js';

/** A change seen by a resource watch. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubernetesObject;
}

/** Options of watchResource. */
export interface ResourceWatchOptions extends WatchTarget {
  client: ClusterClient;
  /**
   * Called for every change after the first list (and for differences found when relisting), with
   * what the watch knew before it (objects by `namespace/name` in their cached form, watch-cache.ts;
   * read it during the call only). A deletion found by a relist carries the cached form.
   */
  onChange: (event: WatchEvent, known: ReadonlyMap<string, KubernetesObject>) => void;
  /**
   * Called when the watch breaks (its first failure in a row) and when it is back: a cluster that
   * went away should be reconciled (and reported unreachable) now, not at the next resync.
   */
  onConnectivity?: (state: 'lost' | 'back') => void;
  /** Aborting it stops the watch for good. */
  signal: AbortSignal;
  logger: Logger;
  /**
   * Server-side end of each watch request; default DEFAULT_WATCH_TIMEOUT_SECONDS (a new one starts
   * from the last version). A request still open `watchGraceMs(timeout)` later is taken for a silently
   * dead connection (a black hole, a dropped NAT entry: no FIN, no RST) and abandoned: the watch
   * relists. On an HTTP/2 connection PINGs find such a connection long before (session-liveness.ts).
   */
  watchTimeoutSeconds?: number;
  /** Source of the first request's spread (firstWatchTimeoutSeconds), [0, 1); default Math.random. */
  random?: () => number;
  /** Backoff between failed attempts while the API server answers: first delay and cap; default 250 ms and 30 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * Called when the watch works again after a failure (its relist succeeded), before any
   * difference is reported: the link is back, whatever changed or did not change meanwhile.
   */
  onReestablished?: () => void;
}

/** A running watch. */
export interface ResourceWatch {
  /** Resolves after the first successful list (or when stopped before it). */
  synced: Promise<void>;
  /** Resolves when the watch has stopped (after its signal was aborted). */
  done: Promise<void>;
  /**
   * Abandons the current watch request as if its connection had died (someone found the cluster
   * unreachable): the watch then waits until the API server answers and relists.
   */
  suspect(): void;
  /**
   * What the watch knows right now (its cache, a shared-informer lister's view), or undefined while
   * it cannot vouch for it: before its first list, and while it is failing. Read-only, not copied.
   */
  objects(): Iterable<KubernetesObject> | undefined;
}

/**
 * The server-side timeout of a watch request by default: 30 min, kube-apiserver's own for a watch
 * that names none (its --min-request-timeout, 1800 s). Each end is a restart (~0.7 ms of the
 * daemon's CPU; ~7 watches per cluster): at 1 000 clusters 5 min meant 23 restarts a second, 1.4–1.9 %
 * of a core. Liveness does not depend on it where the watches share an HTTP/2 connection: PINGs
 * find a silently dead one within 45 s (session-liveness.ts).
 */
export const DEFAULT_WATCH_TIMEOUT_SECONDS = 1800;

/** While the API server does not answer, it is asked again this often… */
export const PROBE_INTERVAL_MS = 500;
/** …each time with this timeout (GET /version), so a link that comes back is seen within about 2 s. */
export const PROBE_TIMEOUT_MS = 1500;

/** How long after the server's own end of a watch request the client gives up on it: a quarter of the timeout, at most 30 s. */
export function watchGraceMs(timeoutSeconds: number): number {
  return Math.min(30_000, Math.max(1000, (timeoutSeconds * 1000) / 4));
}

/**
 * The server-side timeout of the first watch request after a list: a point drawn in [timeout / 2,
 * timeout] (`random` in [0, 1)), the requests after it the whole timeout. Watches that list together
 * (a daemon starting on 1 000 clusters lists ~7 000 at once) would otherwise all end and restart
 * together every `timeout`, one burst of thousands of requests; drawn once after each list, their
 * restarts spread over half the timeout and keep that spread, at the same rate (client-go draws each
 * request's timeout in [5, 10) min; here a watch never stays longer than `timeout` + its grace, the
 * bound within which a silently dropped watch is detected). Pure.
 */
export function firstWatchTimeoutSeconds(timeoutSeconds: number, random: number): number {
  return Math.max(1, Math.min(timeoutSeconds, Math.ceil(timeoutSeconds / 2 + (timeoutSeconds / 2) * random)));
}

/** The collection URL of a watch target, e.g. /api/v1/namespaces/istio-system/pods. */
export function collectionPath(target: Pick<WatchTarget, 'apiVersion' | 'plural' | 'namespace'>): string {
  const root = target.apiVersion.includes('/') ? `/apis/${target.apiVersion}` : `/api/${target.apiVersion}`;
  const ns = target.namespace === undefined ? '' : `/namespaces/${encodeURIComponent(target.namespace)}`;
  return `${root}${ns}/${target.plural}`;
}

const keyOf = (obj: KubernetesObject): string => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
const versionOf = (obj: KubernetesObject): string => obj.metadata?.resourceVersion ?? '';

const CHANGE_TYPES: ReadonlySet<string> = new Set<WatchEvent['type']>(['ADDED', 'MODIFIED', 'DELETED']);
/** True for the watch event types that change an object (not BOOKMARK, ERROR or unknown ones). */
const isChange = (type: string): type is WatchEvent['type'] => CHANGE_TYPES.has(type);

/**
 * Lists (a watch's first list and its relists) in flight at once in the whole daemon; more wait
 * their turn, before their request's time limit starts. A daemon starting on 500 clusters began
 * 3 500 lists at once (4 per cluster, the rest queued in each cluster's limiter with their 10 s
 * running): the TLS handshakes and answers kept it busy past those 10 s, so lists timed out, their
 * clusters' breakers opened, and the watches fell into their probe loops before they had started.
 */
export const MAX_LISTS_IN_FLIGHT = 64;
let listsInFlight = 0;
const waitingForList: (() => void)[] = [];

/** Runs one list when fewer than MAX_LISTS_IN_FLIGHT are running (first come, first served). */
async function withListSlot<T>(list: () => Promise<T>): Promise<T> {
  if (listsInFlight < MAX_LISTS_IN_FLIGHT) listsInFlight++;
  else await new Promise<void>((resolve) => waitingForList.push(resolve));
  try {
    return await list();
  } finally {
    // The slot passes to the next list waiting, or is given back.
    const next = waitingForList.shift();
    if (next) next();
    else listsInFlight--;
  }
}

/**
 * What the watches of one cluster share while it fails (a cluster has several watches, and they
 * break together): the probe in flight, and the loop that probes until the cluster answers. Without
 * it each watch probed on its own: 7 probes every half second per cluster, thousands a second for a
 * few hundred clusters starting at once on a loaded host, which kept the daemon busy making probes
 * (and "not sent" errors) while the API servers waited.
 */
const probesInFlight = new WeakMap<ClusterClient, Promise<boolean>>();
const waitsForAnswer = new WeakMap<ClusterClient, Promise<boolean>>();

/** The promise in flight for `client` in `table`, or a new one from `start` (forgotten once it settles). */
function shared(table: WeakMap<ClusterClient, Promise<boolean>>, client: ClusterClient, start: () => Promise<boolean>): Promise<boolean> {
  const current = table.get(client);
  if (current) return current;
  const started = start().finally(() => {
    if (table.get(client) === started) table.delete(client);
  });
  table.set(client, started);
  return started;
}

/** True when the API server answers GET /version within PROBE_TIMEOUT_MS. */
async function answers(client: ClusterClient, signal: AbortSignal): Promise<boolean> {
  const limit = deadline(PROBE_TIMEOUT_MS, signal);
  try {
    await client.version.getCode(undefined, abortableCall(limit.signal));
    return true;
  } catch {
    return false;
  } finally {
    limit.dispose();
  }
}

/**
 * Probes every PROBE_INTERVAL_MS until the API server answers (true) or `signal` aborts (false: a
 * watch still waiting starts its own loop).
 */
async function untilAnswering(client: ClusterClient, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    if (await answers(client, signal)) return true;
    await abortableSleep(PROBE_INTERVAL_MS, signal);
  }
  return false;
}

/** A list on the watches' connection gives up after this long (an ordinary request has its own limit). */
const SHARED_LIST_TIMEOUT_MS = 10_000;

/** What a relist reads of a list answer. */
interface ListAnswer {
  items: KubernetesObject[];
  metadata?: { resourceVersion?: string };
}

/** Whether a shared read's answer is a list (an `items` array). Pure. */
function isListAnswer(answer: unknown): answer is ListAnswer {
  return typeof answer === 'object' && answer !== null && Array.isArray((answer as { items?: unknown }).items);
}

/** The GET path of a watch target's list with its selectors. Pure. */
export function listPath(collection: string, selectors: Pick<WatchTarget, 'labelSelector' | 'fieldSelector'>): string {
  const query = new URLSearchParams();
  if (selectors.labelSelector !== undefined) query.set('labelSelector', selectors.labelSelector);
  if (selectors.fieldSelector !== undefined) query.set('fieldSelector', selectors.fieldSelector);
  const text = query.toString();
  return text === '' ? collection : `${collection}?${text}`;
}

/** Why a watch request ended: 'expired' (410: relist), 'closed' (clean end: re-watch), or an error. */
type WatchEnd = { kind: 'expired' } | { kind: 'closed' } | { kind: 'error'; error: unknown };

/**
 * List-then-watch loop that re-establishes itself (client-go's reflector, small): it lists with the
 * selectors, remembers each object's resourceVersion, watches from the list's version, and on any
 * failure (API server restart, 410 Gone, dropped connection) lists again after a backoff and reports
 * only what differs from what it had seen. The watch owns its cache; callers get events, and may
 * read the cache while it is current (`objects`).
 */
export function watchResource(options: ResourceWatchOptions): ResourceWatch {
  let markSynced!: () => void;
  const synced = new Promise<void>((resolve) => (markSynced = resolve));
  options.signal.addEventListener('abort', () => markSynced(), { once: true });
  const watcher = new ResourceWatcher(options, markSynced);
  const done = watcher.run();
  return { synced, done, suspect: () => watcher.suspect(), objects: () => watcher.objects() };
}

class ResourceWatcher {
  private readonly cache = new Map<string, KubernetesObject>();
  private readonly path: string;
  private failures = 0;
  private listedOnce = false;
  private abandonCurrent: (() => void) | undefined;

  constructor(
    private readonly o: ResourceWatchOptions,
    private readonly markSynced: () => void,
  ) {
    this.path = collectionPath(o);
  }

  async run(): Promise<void> {
    while (!this.o.signal.aborted) {
      try {
        await this.listAndWatch();
      } catch (err) {
        await this.afterFailure(err);
      }
    }
  }

  /** Lists, then watches from the list's version until the watch breaks (throws) or expires (returns). */
  private async listAndWatch(): Promise<void> {
    const version = await this.relist();
    this.markSynced();
    let timeoutSeconds = firstWatchTimeoutSeconds(this.o.watchTimeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS, (this.o.random ?? Math.random)());
    while (!this.o.signal.aborted) {
      const started = Date.now();
      const end = await this.watchFrom(version, timeoutSeconds);
      timeoutSeconds = this.o.watchTimeoutSeconds ?? DEFAULT_WATCH_TIMEOUT_SECONDS;
      if (end.kind === 'expired') return;
      if (end.kind === 'error') throw end.error;
      // A clean end is the server's timeout: watch again from the last version seen.
      if (Date.now() - started < 1000) await abortableSleep(1000, this.o.signal);
    }
  }

  /** The cache while it is current (listed, not failing); see ResourceWatch.objects. */
  objects(): Iterable<KubernetesObject> | undefined {
    return this.listedOnce && this.failures === 0 ? this.cache.values() : undefined;
  }

  /** Abandons the watch request in flight (see ResourceWatch.suspect). */
  suspect(): void {
    this.abandonCurrent?.();
  }

  /**
   * After a failure: while the API server answers, back off before relisting (a list that fails
   * with an answer must not be hammered); while it does not, probe it every half second with a short
   * timeout, so the relist starts as soon as the link is back rather than a long backoff later.
   */
  private async afterFailure(err: unknown): Promise<void> {
    if (this.o.signal.aborted) return;
    this.failures++;
    const log = { err: err instanceof Error ? err.message : String(err), path: this.path, cluster: this.o.client.name, attempt: this.failures };
    if (this.failures === 1) {
      this.o.logger.warn(log, 'watch interrupted; relisting');
      this.o.onConnectivity?.('lost');
    } else this.o.logger.debug(log, 'watch still failing');
    if (await shared(probesInFlight, this.o.client, () => answers(this.o.client, this.o.signal))) {
      const delay = backoffDelay(this.failures, { baseMs: this.o.retryBaseMs ?? 250, maxMs: this.o.retryMaxMs ?? 30_000, jitter: 0.2 }, Math.random);
      await abortableSleep(delay, this.o.signal);
      return;
    }
    while (!this.o.signal.aborted && !(await shared(waitsForAnswer, this.o.client, () => untilAnswering(this.o.client, this.o.signal))));
  }

  /** Lists, reports differences from the cache (not on the very first list), and returns the list's version. */
  private async relist(): Promise<{ current: string }> {
    const o = this.o;
    const list = await withListSlot(() => this.list());
    const seen = new Map(list.items.map((item) => [keyOf(item), { ...item, apiVersion: o.apiVersion, kind: o.kind }]));
    if (this.listedOnce) this.emitDifferences(seen);
    this.cache.clear();
    for (const [key, obj] of seen) this.cache.set(key, cachedForm(obj));
    if (this.listedOnce && this.failures > 0) this.reportReestablished();
    this.listedOnce = true;
    this.failures = 0;
    return { current: list.metadata?.resourceVersion ?? '' };
  }

  /**
   * One list of the watch's objects: on the connection the cluster's watches share (HTTP/2, opened
   * for it when none is: the watch needs it next), else an ordinary request. A daemon starting on
   * hundreds of clusters runs their lists a few at a time (MAX_LISTS_IN_FLIGHT), minutes apart from
   * their cluster's other lists at 1 000 clusters: as ordinary requests each found the cluster's last
   * connection closed (idle after 5 s) and opened a TLS connection of its own. A shared list that
   * fails without running out of time (an answer too large, an error status) is made again as an
   * ordinary request, which reports its own error.
   */
  private async list(): Promise<ListAnswer> {
    const o = this.o;
    const limit = deadline(SHARED_LIST_TIMEOUT_MS, o.signal);
    try {
      const path = listPath(this.path, o);
      const shared = await o.client.watches.read?.(path, limit.signal, { connect: true, maxBytes: MAX_RESPONSE_BYTES });
      if (isListAnswer(shared)) return shared;
    } catch (err) {
      if (limit.signal.aborted) throw err;
    } finally {
      limit.dispose();
    }
    return o.client.objects.list(o.apiVersion, o.kind, { namespace: o.namespace, fieldSelector: o.fieldSelector, labelSelector: o.labelSelector });
  }

  /** Emits what a relist found against the cache: deletions first, then additions and modifications. */
  private emitDifferences(seen: ReadonlyMap<string, KubernetesObject>): void {
    for (const [key, old] of this.cache) if (!seen.has(key)) this.emit({ type: 'DELETED', object: old });
    for (const [key, obj] of seen) {
      const old = this.cache.get(key);
      if (!old) this.emit({ type: 'ADDED', object: obj });
      else if (versionOf(old) !== versionOf(obj)) this.emit({ type: 'MODIFIED', object: obj });
    }
  }

  /** A relist after failures succeeded: log it, then tell the owner the link is back. */
  private reportReestablished(): void {
    const o = this.o;
    o.logger.info({ path: this.path, cluster: o.client.name }, 'watch re-established');
    o.onConnectivity?.('back');
    o.onReestablished?.();
  }

  private emit(event: WatchEvent): void {
    try {
      this.o.onChange(event, this.cache);
    } catch (err) {
      this.o.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'watch event handler failed');
    }
  }

  private apply(type: string, object: KubernetesObject, version: { current: string }): 'expired' | undefined {
    if (type === 'ERROR') return (object as { code?: number }).code === 410 ? 'expired' : undefined;
    if (object?.metadata?.resourceVersion) version.current = object.metadata.resourceVersion;
    if (isChange(type)) this.applyChange(type, object);
    return undefined;
  }

  /** Reports one change from the watch stream, then records it in the cache. */
  private applyChange(type: WatchEvent['type'], object: KubernetesObject): void {
    const full = { ...object, apiVersion: this.o.apiVersion, kind: this.o.kind };
    this.emit({ type, object: full });
    if (type === 'DELETED') this.cache.delete(keyOf(full));
    else this.cache.set(keyOf(full), cachedForm(full));
  }

  /** One watch request from `version.current` (which it advances), ending server-side after `timeoutSeconds`; resolves when it ends, never rejects. */
  private watchFrom(version: { current: string }, timeoutSeconds: number): Promise<WatchEnd> {
    const o = this.o;
    const params = {
      resourceVersion: version.current,
      allowWatchBookmarks: true,
      timeoutSeconds,
      labelSelector: o.labelSelector,
      fieldSelector: o.fieldSelector,
    };
    return new Promise<WatchEnd>((resolve) => {
      let handle: WatchHandle | undefined;
      let expired = false;
      let settled = false;
      const stop = (): void => handle?.abort();
      o.signal.addEventListener('abort', stop, { once: true });
      const finish = (end: WatchEnd): void => {
        if (settled) return;
        settled = true;
        clearTimeout(inactivity);
        this.abandonCurrent = undefined;
        o.signal.removeEventListener('abort', stop);
        resolve(expired ? { kind: 'expired' } : end);
      };
      // A connection that silently died never ends by itself (no FIN, no RST): give up a grace
      // period after the server's own timeout. Abandoning does not wait for the dead socket; the
      // connection is closed, with the cluster's other watches on it (they share it over HTTP/2).
      let abandoned: string | undefined;
      const abandon = (why: string): void => {
        abandoned = why;
        handle?.connectionDead();
        finish({ kind: 'error', error: new Error(why) });
      };
      const inactivity = setTimeout(
        () =>
          abandon(
            `watch request still open ${timeoutSeconds} s + ${watchGraceMs(timeoutSeconds) / 1000} s after it should have ended: connection presumed dead`,
          ),
        timeoutSeconds * 1000 + watchGraceMs(timeoutSeconds),
      );
      this.abandonCurrent = () => abandon('cluster found unreachable: watch request abandoned');
      const onEvent = (type: string, object: KubernetesObject): void => {
        if (this.apply(type, object, version) === 'expired') {
          expired = true;
          stop();
        }
      };
      o.client.watches
        .watch(this.path, params, onEvent, (err: unknown) => finish(err ? { kind: 'error', error: err } : { kind: 'closed' }))
        .then((h) => {
          handle = h;
          if (o.signal.aborted) h.abort();
          else if (abandoned !== undefined) h.connectionDead();
        })
        .catch((err: unknown) => finish({ kind: 'error', error: err }));
    });
  }
}
