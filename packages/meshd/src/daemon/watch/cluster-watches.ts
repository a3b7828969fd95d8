import { createHash } from 'node:crypto';
import type { ClusterClient } from '@meshd/core/cluster';
import type { DesiredMesh, ValidCluster } from '@meshd/core/descriptor';
import type { Logger } from '@meshd/core';
import { DEFAULT_WATCH_TIMEOUT_SECONDS, watchResource, type ResourceWatch } from './informers.js';
import type { KubernetesObject } from '@kubernetes/client-node';
import { CONTROL_PLANE_POD_SELECTOR, runsOnBackend, type WatchSpec } from './watch-specs.js';
import { manyListenerAbortController } from '../process/abort.js';
import { readServerVersion, VERSION_PROBE_MS, watchServerVersion, type ServerVersionSource } from './version-watch.js';

/** Options of ClusterWatches. */
export interface ClusterWatchesOptions {
  /** The watches to keep; re-read at each update (they depend on the config). */
  specs: () => readonly WatchSpec[];
  /**
   * The backend that installs istio-remote on a remote (meshd.yaml's clusters.NAME.backend, the
   * descriptor's annotation, the default): a backend's watches (WatchSpec.backends) run only on its
   * remotes. Undefined: every remote watch on every remote.
   */
  backendOf?: (cluster: ValidCluster) => string;
  /**
   * What the backends chosen depend on besides the mesh (the config's default and per-cluster
   * choices), as a string: when it changes, every cluster's watches are matched again.
   */
  backendChoice?: () => string;
  connect: (name: string, kubeconfigText: string) => ClusterClient;
  /** Receives the keys an event enqueues. */
  enqueue: (keys: readonly string[]) => void;
  /** Every key (each remote's and the registry's): what news about the control plane itself enqueues. */
  everyKey: () => string[];
  /** Every remote's key: what a spec's 'all-remotes' enqueues. */
  remoteKeys: () => string[];
  /** Every key whose pass reads the control-plane endpoints: what a spec's 'endpoint-readers' enqueues. */
  endpointReaders: () => string[];
  logger: Logger;
  /** Server-side timeout of each watch request in seconds (config `watchTimeout`); default DEFAULT_WATCH_TIMEOUT_SECONDS. */
  watchTimeoutSeconds?: () => number;
  /** How often each cluster's server version is read (default VERSION_PROBE_MS, ±20 %). */
  versionProbeMs?: number;
  /** How often it is read at least on an unbroken watch connection (default VERSION_RECHECK_MS). */
  versionRecheckMs?: number;
  /** Reads a cluster's server version (default GET /version); tests inject one. */
  readVersion?: ServerVersionSource;
  /**
   * Called after an event of the control-plane pod watch that enqueued nothing (the endpoints chosen
   * stay: a standby pod turned Ready, say), once the watch's cache holds it: the daemon prepares the
   * next move's renders from it (MovePreparation).
   */
  controlPlanePodsChanged?: () => void;
}

/** Whether a spec is the daemon's control-plane pod watch (discovery's cache). */
function isControlPlanePods(spec: WatchSpec): boolean {
  return spec.on === 'control-plane' && spec.target.kind === 'Pod' && spec.target.labelSelector === CONTROL_PLANE_POD_SELECTOR;
}

/** A cluster's watches as the mesh and config want them: its specs (specsForCluster) and what they were chosen for. */
interface WantedWatches {
  cluster: ValidCluster;
  specs: WatchSpec[];
  identity: string;
}

interface RunningWatches {
  identity: string;
  stop: AbortController;
  watches: { spec: WatchSpec; watch: ResourceWatch }[];
}

/**
 * Keeps the daemon's watches in step with the desired mesh: the control-plane watches on the
 * control plane, the per-remote watches on each remote, restarted when a cluster's kubeconfig or
 * role changes and stopped when it leaves. Owns the watches and their connections; events only
 * enqueue keys (controller-runtime's EnqueueRequestsFromMapFunc): anything about the control plane
 * itself (its link lost or back, a new server version) → every key (each remote's, then the
 * registry's); 'all-remotes' → each remote's key; 'endpoint-readers' (a Pilot move) → each remote's
 * key, and the registry's only when what it publishes depends on Pilot's IP; 'this-remote' → the
 * cluster's own key. Each remote key reconciles on its own,
 * concurrently with the others: discovery reads the control-plane pods from this watch's cache
 * (`controlPlanePods`), not one list per key, and the renderer renders once per distinct values.
 * A remote's watch that breaks or recovers enqueues its key; its server version is read now and then
 * (watchServerVersion): a new version enqueues it, so what was parked on the APIs the old version
 * served is checked again.
 */
export class ClusterWatches {
  private readonly running = new Map<string, RunningWatches>();
  /** The mesh and specs the running watches were last matched to (update() skips the same pair). */
  private matched: { mesh: DesiredMesh; summary: string } | undefined;

  constructor(private readonly o: ClusterWatchesOptions) {}

  /**
   * Starts and stops watches so they match `mesh`. Every report calls it; the passes of one directory
   * generation report the same mesh object (core's desiredMeshOf), and for that mesh with the same
   * specs nothing is compared again: at N clusters a round of N reports once cost N² identity hashes.
   */
  update(mesh: DesiredMesh): void {
    const specs = this.o.specs();
    const summary = `${specsSummary(specs)}\0${this.o.backendChoice?.() ?? ''}`;
    if (this.isMatched(mesh, summary)) return;
    const wanted = this.wantedWatches(mesh, specs);
    for (const [name, watches] of this.running) if (wanted.get(name)?.identity !== watches.identity) this.stopCluster(name);
    for (const want of wanted.values()) if (!this.running.has(want.cluster.name)) this.startCluster(want.cluster, want.specs, want.identity);
    this.matched = { mesh, summary };
  }

  /** Whether the running watches were last matched to this mesh and these specs and backend choices. */
  private isMatched(mesh: DesiredMesh, summary: string): boolean {
    return this.matched?.mesh === mesh && this.matched.summary === summary;
  }

  /** Each cluster of the mesh with the specs that run on it and the identity of that set. */
  private wantedWatches(mesh: DesiredMesh, specs: readonly WatchSpec[]): Map<string, WantedWatches> {
    // The clusters of one backend share their specs: each set is summarised once, not per cluster.
    const bySide = new Map<string, { specs: WatchSpec[]; summary: string }>();
    const wanted = new Map<string, WantedWatches>();
    for (const cluster of [mesh.controlPlane, ...mesh.remotes]) {
      const backend = cluster.role === 'control-plane' ? undefined : this.o.backendOf?.(cluster);
      const side = `${cluster.role}\0${backend ?? ''}`;
      let own = bySide.get(side);
      if (own === undefined) {
        const chosen = specsForCluster(cluster.role, backend, specs);
        own = { specs: chosen, summary: specsSummary(chosen) };
        bySide.set(side, own);
      }
      wanted.set(cluster.name, { cluster, specs: own.specs, identity: identityOf(cluster, own.summary) });
    }
    return wanted;
  }

  /**
   * The control plane's Pilot/Mixer/statsd pods matching an equality label selector (`a=b,c=d`), from
   * the pod watch's cache; undefined when that watch is not running or cannot vouch for its cache.
   */
  controlPlanePods(labelSelector: string): KubernetesObject[] | undefined {
    const watch = this.controlPlanePodWatch();
    if (watch === undefined) return undefined;
    const objects = watch.objects();
    return objects === undefined ? undefined : [...objects].filter(matchesSelector(labelSelector));
  }

  /** The control plane's pod watch (the control plane's watches start first, so it is found at once, not after every remote's). */
  private controlPlanePodWatch(): ResourceWatch | undefined {
    for (const running of this.running.values()) for (const { spec, watch } of running.watches) if (isControlPlanePods(spec)) return watch;
    return undefined;
  }

  /** Names of the clusters being watched, sorted. */
  watched(): string[] {
    return [...this.running.keys()].sort();
  }

  /**
   * A pass found `name` unreachable: its watches abandon their requests (which may sit on a
   * connection that died silently) and relist as soon as its API server answers again. Their
   * relist enqueues the cluster, so it converges within seconds of the link coming back.
   */
  suspect(name: string): void {
    for (const { watch } of this.running.get(name)?.watches ?? []) watch.suspect();
  }

  /** Stops every watch. */
  stopAll(): void {
    for (const name of [...this.running.keys()]) this.stopCluster(name);
    this.matched = undefined;
  }

  private stopCluster(name: string): void {
    this.running.get(name)?.stop.abort();
    this.running.delete(name);
  }

  /** Starts the cluster's watches (`specs`: its own, specsForCluster). */
  private startCluster(cluster: ValidCluster, specs: readonly WatchSpec[], identity: string): void {
    const stop = manyListenerAbortController();
    const watches: RunningWatches['watches'] = [];
    this.running.set(cluster.name, { identity, stop, watches });
    const client = this.connectOrWarn(cluster);
    if (client === undefined) return;
    this.watchVersion(cluster, client, stop.signal);
    for (const spec of specs) watches.push({ spec, watch: this.watchSpec(cluster, client, spec, stop.signal) });
  }

  /** The cluster's client, or undefined (logged) when its kubeconfig cannot make one. */
  private connectOrWarn(cluster: ValidCluster): ClusterClient | undefined {
    try {
      return this.o.connect(cluster.name, cluster.kubeconfigText);
    } catch (err) {
      this.o.logger.warn({ cluster: cluster.name, err: err instanceof Error ? err.message : String(err) }, 'cannot watch cluster');
      return undefined;
    }
  }

  /** The keys news about `cluster` itself enqueues: its own key, or every key for the control plane. */
  private keysOf(cluster: ValidCluster): string[] {
    return cluster.role === 'control-plane' ? this.o.everyKey() : [cluster.name];
  }

  /** The keys an event of `spec`'s watch on `cluster` enqueues. */
  private keysOfSpec(spec: WatchSpec, cluster: ValidCluster): string[] {
    if (spec.enqueue === 'all-remotes') return this.o.remoteKeys();
    if (spec.enqueue === 'endpoint-readers') return this.o.endpointReaders();
    return this.keysOf(cluster);
  }

  /** Probes the cluster's server version, enqueueing it (or all, for the control plane) on a change. */
  private watchVersion(cluster: ValidCluster, client: ClusterClient, signal: AbortSignal): void {
    void watchServerVersion({
      cluster: cluster.name,
      client,
      read: this.o.readVersion ?? readServerVersion,
      intervalMs: this.o.versionProbeMs ?? VERSION_PROBE_MS,
      ...(this.o.versionRecheckMs !== undefined ? { recheckMs: this.o.versionRecheckMs } : {}),
      onChange: () => this.o.enqueue(this.keysOf(cluster)),
      signal,
      logger: this.o.logger.child({ cluster: cluster.name, watch: 'version' }),
    });
  }

  /** Starts one spec's watch on the cluster, enqueueing its keys on every relevant event. */
  private watchSpec(cluster: ValidCluster, client: ClusterClient, spec: WatchSpec, signal: AbortSignal): ResourceWatch {
    const relevant = spec.filter?.() ?? (() => true);
    const logger = this.o.logger.child({ cluster: cluster.name, watch: spec.purpose });
    const keys = (): string[] => this.keysOfSpec(spec, cluster);
    const ignored = isControlPlanePods(spec) ? this.o.controlPlanePodsChanged : undefined;
    return watchResource({
      client,
      ...spec.target,
      signal,
      logger,
      retryMaxMs: 10_000,
      // A watch that breaks or comes back is news about the cluster itself: reconcile it now, so
      // /status (and the page) say unreachable within a second, and converged once it is back.
      onConnectivity: () => this.o.enqueue(this.keysOf(cluster)),
      watchTimeoutSeconds: this.o.watchTimeoutSeconds?.() ?? DEFAULT_WATCH_TIMEOUT_SECONDS,
      // Back after a failure: what happened meanwhile may not show as a difference (a pass that
      // failed half-way), so the cluster is reconciled whatever the relist found.
      onReestablished: () => this.o.enqueue(keys()),
      onChange: (event, known) => {
        // The watch records the event in its cache right after this handler: the callback reads it then.
        if (!relevant(event, known)) {
          if (ignored) queueMicrotask(ignored);
          return;
        }
        const enqueued = keys();
        logger.debug({ event: event.type, object: event.object.metadata?.name, keys: enqueued.length }, 'watch event');
        this.o.enqueue(enqueued);
      },
    });
  }
}

/**
 * The specs whose watches run on a cluster: the control plane's on the control plane; on a remote,
 * every remote spec of no backend and those of the backend that installs it (all of them when that
 * backend is unknown). Pure.
 */
export function specsForCluster(role: ValidCluster['role'], backend: string | undefined, specs: readonly WatchSpec[]): WatchSpec[] {
  if (role === 'control-plane') return specs.filter((s) => s.on === 'control-plane');
  return specs.filter((s) => s.on === 'each-remote' && runsOnBackend(s, backend));
}

/** Pure: a matcher for an equality label selector (`a=b,c=d`; every term must hold). */
export function matchesSelector(selector: string): (object: KubernetesObject) => boolean {
  const terms = selector
    .split(',')
    .filter((t) => t !== '')
    .map((t) => t.split('=') as [string, string | undefined]);
  return (object) => terms.every(([key, value]) => object.metadata?.labels?.[key.trim()] === value?.trim());
}

/** What of the watch specs a cluster's watches depend on, as one string. Pure. */
function specsSummary(specs: readonly WatchSpec[]): string {
  return JSON.stringify(specs.map((s) => [s.on, s.target, s.enqueue, s.backends]));
}

/** What a cluster's running watches were started for: its role, kubeconfig and its own specs. Pure. */
function identityOf(cluster: ValidCluster, summary: string): string {
  return createHash('sha256').update(`${cluster.role}\0${cluster.kubeconfigText}\0${summary}`).digest('hex');
}
