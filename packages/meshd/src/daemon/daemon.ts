import { ConnectionPool } from '@meshd/core/cluster';
import { descriptorBackend, loadPlugins, reportErrorOf, reportedErrors, runPass, type PluginHost } from '@meshd/core';
import { StateStore } from '@meshd/core/state';
import type { ClusterClient } from '@meshd/core/cluster';
import type { HelmProbe } from '@meshd/core/prereq';
import type { LoadedPlugin, Logger, MeshdConfig, PassOptions, PassReport, PluginDefinition, ReportError } from '@meshd/core';
import { onceEachHelm } from '../pass-runner.js';
import { BUILTIN_PLUGINS } from '../plugins.js';
import { manyListenerAbortController } from './process/abort.js';
import { ClusterWatches } from './watch/cluster-watches.js';
import { daemonWatchSpecs } from './watch/daemon-watch-specs.js';
import { MovePreparation } from './watch/move-preparation.js';
import type { Clock } from './process/clock.js';
import { parseListen, type HealthSources } from './status/health.js';
import { REGISTRY_KEY, registryReadsEndpoints } from './queue/keys.js';
import { LeaderElection, type LeaderSettings } from './leader/leader-election.js';
import { DaemonMetrics, type ReconcileResultLabel } from './status/metrics.js';
import { WorkQueue, type ReconcileRecord } from './queue/queue.js';
import { keyReconciler, type LastGood } from './queue/reconcile-key.js';
import type { Redactor } from '../output/redact.js';
import { emptyStatusState, foldReport, recordReconcile, type StatusState } from './status/status-state.js';
import { readinessReasons, statusFromReports, timelineView, type MeshStatus, type StatusContext, type TimelineView } from './status/status.js';
import { StatusFeed } from './status/status-feed.js';
import type { SystemdNotifier } from './process/systemd.js';
import type { ServerVersionSource } from './watch/version-watch.js';
import { DirectorySource } from './watch/directory-source.js';
import { RunnableManager } from './process/manager.js';
import {
  clusterWatchesRunnable,
  credentialTimersRunnable,
  healthServerRunnable,
  leaderElectionRunnable,
  reconcileWorkersRunnable,
  stepRunnable,
  workQueueRunnable,
} from './runnables.js';
import { CredentialTimers } from './queue/credential-timers.js';
import { CredentialRerun } from './queue/credential-rerun.js';
import { lastReconcileOf, logReconcile, resultLabelOf } from './status/reconcile-outcome.js';
import { readIstiodSync, type IstiodSync } from './status/istiod-sync.js';

/** Everything `meshd run` hands the daemon; tests replace runPass, connect and the helm probe. */
export interface DaemonOptions {
  config: MeshdConfig;
  /** Loads meshd.yaml again (SIGHUP), with the same path and flags. */
  loadConfig(): Promise<MeshdConfig>;
  logger: Logger;
  redactor: Redactor;
  /** Overrides config.listen (flag --listen, tests use port 0). */
  listen?: { host: string; port: number };
  leader?: LeaderSettings;
  notifier?: SystemdNotifier;
  plugins?: readonly PluginDefinition<unknown>[];
  runPass?: (options: PassOptions) => Promise<PassReport>;
  probeHelm?: (binary: string, signal: AbortSignal) => Promise<HelmProbe>;
  connect?: (name: string, kubeconfigText: string) => ClusterClient;
  debounceMs?: number;
  /** How long shutdown waits for the reconciles in flight; default 15 s. */
  shutdownGraceMs?: number;
  /** The work queue's clock (its delays and resync); tests move it (a bastion clock that jumps). */
  clock?: Clock;
  /** How often each cluster's server version is read (default 5 minutes, ±20 %). */
  versionProbeMs?: number;
  /** How often it is read at least while the cluster's watch connection stays open (default 1 hour). */
  versionRecheckMs?: number;
  /** Reads a cluster's server version (default GET /version); tests inject one. */
  readVersion?: ServerVersionSource;
}

function versionOptions(o: DaemonOptions): { versionProbeMs?: number; versionRecheckMs?: number; readVersion?: ServerVersionSource } {
  return {
    ...(o.versionProbeMs !== undefined ? { versionProbeMs: o.versionProbeMs } : {}),
    ...(o.versionRecheckMs !== undefined ? { versionRecheckMs: o.versionRecheckMs } : {}),
    ...(o.readVersion ? { readVersion: o.readVersion } : {}),
  };
}

const backendChoices = new WeakMap<MeshdConfig, string>();

/** What of a config chooses the remotes' backends (the default and each clusters.NAME.backend), as one string, once per config. */
function backendChoiceOf(config: MeshdConfig): string {
  let choice = backendChoices.get(config);
  if (choice === undefined) {
    const overrides = Object.entries(config.clusters).flatMap(([name, o]) => (typeof o.backend === 'string' ? [[name, o.backend]] : []));
    choice = JSON.stringify([config.backend, overrides]);
    backendChoices.set(config, choice);
  }
  return choice;
}

/**
 * The meshd daemon, as wiring: what runs (a RunnableManager of the state directory, the plugins, the
 * health server, the optional leader elector, the credential timers, the cluster watches, the work
 * queue, the directory source and the queue's workers, in that order; the manager starts and stops them)
 * and the result handler: directory and cluster events only enqueue keys, each key runs one pass (a
 * remote, or the registry), and the daemon learns how a reconcile ended from one place, the queue's
 * record (onResult), which it folds into status, metrics, watches and timers; a remote key whose
 * report says membership changed enqueues the registry key. Owns the config, the plugins and the
 * status state; the manager owns when each part runs.
 */
export class Daemon {
  readonly metrics: DaemonMetrics;
  readonly queue: WorkQueue<PassReport>;
  private config: MeshdConfig;
  private plugins: LoadedPlugin[] = [];
  /** Each helm client's version, asked once per config (core asks only for clients a plugin in use needs). */
  private helmProbes: ((binary: string) => Promise<HelmProbe>) | undefined;
  private state: StatusState = emptyStatusState();
  private readonly lastGood: LastGood = {};
  /** Whether a report calls for the registry key again (a credential that waited for its remote's install). */
  private readonly credentialRerun = new CredentialRerun();
  private readonly watches: ClusterWatches;
  private readonly abort = manyListenerAbortController();
  /**
   * One client per cluster and kubeconfig, shared by passes and watches. A pass's requests go over
   * keep-alive HTTP/1.1, not on the watches' HTTP/2 connection (`requestsOnWatchConnection`): with
   * it a 3-cluster Pilot move took 111 ms from Ready against 88 ms without (bench:daemon, quiet,
   * bench/RESULTS.md "HTTP/2 requests, measured again"), though 1 000 clusters got ready sooner.
   */
  private readonly pool = new ConnectionPool({ signal: this.abort.signal });
  private readonly startedAt = Date.now();
  private readonly election: LeaderElection | undefined;
  private readonly directory: DirectorySource;
  /** Starts and stops every part of the daemon (manager.ts). */
  private readonly manager: RunnableManager;
  private url = '';
  private readySent = false;
  private stopping = false;
  private stateStore: StateStore | undefined;
  /** The status page's live feed (GET /events); told about every report and reconcile. */
  private readonly feed: StatusFeed;
  private readonly credentialTimers = new CredentialTimers(() => this.queue.add(REGISTRY_KEY));
  private istiodSync: IstiodSync | undefined;
  /** The keys of the first round (start-up, or winning the lease) not reconciled yet: ready waits for them. */
  private firstRound: Set<string> | undefined;
  private istiodReading = false;

  constructor(private readonly o: DaemonOptions) {
    this.config = o.config;
    this.feed = new StatusFeed({ status: () => this.status(), redactor: o.redactor });
    const connect = o.connect ?? ((name: string, kubeconfigText: string) => this.pool.connect(name, kubeconfigText));
    this.metrics = new DaemonMetrics({ queueDepth: () => this.queue.depth(), status: () => this.state });
    const moves = new MovePreparation({
      pods: (selector) => this.watches.controlPlanePods(selector),
      config: () => this.config,
      plugins: () => this.plugins,
      mesh: () => this.lastGood.mesh,
      chosen: () => this.lastGood.discovered,
      logger: o.logger.child({ component: 'prepare' }),
    });
    this.watches = new ClusterWatches({
      specs: () => daemonWatchSpecs(this.plugins),
      backendOf: (cluster) => descriptorBackend(cluster, this.config),
      backendChoice: () => backendChoiceOf(this.config),
      connect,
      enqueue: (keys) => keys.forEach((k) => this.queue.add(k)),
      everyKey: () => this.everyKey(),
      remoteKeys: () => this.directory.remoteKeys(),
      endpointReaders: () => this.endpointReaders(),
      logger: o.logger.child({ component: 'watch' }),
      watchTimeoutSeconds: () => Math.max(1, Math.round(this.config.watchTimeout / 1000)),
      controlPlanePodsChanged: () => moves.podsChanged(),
      ...versionOptions(o),
    });
    if (o.leader)
      this.election = new LeaderElection(o.leader, connect, o.logger.child({ component: 'leader' }), {
        started: () => this.startedLeading(),
        stopped: () => this.stoppedLeading(),
      });
    this.directory = new DirectorySource({
      config: () => this.config,
      logger: o.logger,
      redactor: o.redactor,
      ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
      backends: () => this.backendNames(),
      knownRemotes: () => this.knownRemotes(),
      enqueue: (key) => this.queue.add(key),
      controlPlane: (cp) => this.election?.ensure(cp),
    });
    this.queue = new WorkQueue<PassReport>({
      concurrency: this.config.concurrency,
      resyncMs: this.config.resync,
      ...(o.clock ? { clock: o.clock } : {}),
      onResult: (record) => this.onResult(record),
      onResync: () => this.directory.invalidate(),
      reconcile: keyReconciler({
        config: () => this.config,
        plugins: () => this.plugins,
        ...(o.probeHelm ? { helm: (binary: string) => this.probeHelm(binary) } : {}),
        runPass: o.runPass ?? ((options) => runPass({ ...options, connect })),
        snapshot: () => this.directory.snapshot(),
        logger: o.logger.child({ component: 'reconcile' }),
        lastGood: this.lastGood,
        state: () => this.stateStore,
        controlPlanePods: (selector) => this.watches.controlPlanePods(selector),
        isActive: () => this.election?.isLeader() ?? true,
        term: () => this.election?.term(),
      }),
    });
    this.manager = this.runnables();
  }

  /** What runs, in start order (stopped in reverse); leader-only parts run while this daemon leads. */
  private runnables(): RunnableManager {
    const o = this.o;
    const manager = new RunnableManager({ logger: o.logger.child({ component: 'manager' }), leaderElection: this.election !== undefined });
    const listen = o.listen ?? parseListen(this.config.listen) ?? { host: '127.0.0.1', port: 9580 };
    manager
      .add(stepRunnable('state directory', () => this.openStateStore()))
      .add(stepRunnable('plugins', () => void (this.plugins = loadPlugins(o.plugins ?? BUILTIN_PLUGINS, this.config, o.logger, this.pluginHost()))))
      .add(healthServerRunnable(this.healthSources(listen), (url) => (this.url = url)));
    if (this.election) manager.add(leaderElectionRunnable(this.election));
    return manager
      .add(credentialTimersRunnable(this.credentialTimers))
      .add(clusterWatchesRunnable(this.watches))
      .add(workQueueRunnable(this.queue, o.shutdownGraceMs ?? 15_000, o.logger))
      .add(this.directory)
      .add(reconcileWorkersRunnable(this.queue, () => this.beginFirstRound()));
  }

  private async openStateStore(): Promise<void> {
    if (this.config.stateDirectory !== undefined) this.stateStore = await StateStore.open(this.config.stateDirectory);
  }

  private healthSources(listen: { host: string; port: number }): HealthSources & { listen: { host: string; port: number } } {
    const logger = this.o.logger.child({ component: 'http' });
    return {
      status: () => this.status(),
      readiness: () => this.readiness(),
      metrics: this.metrics,
      redactor: this.o.redactor,
      logger,
      feed: this.feed,
      listen,
      allowedHosts: () => this.config.allowedHosts,
    };
  }

  /** Starts every part; resolves with the health server's URL. Rejects with a RunnableStartError naming the part (nothing left running): a bad plugin config, a busy port. */
  async start(): Promise<string> {
    await this.manager.start();
    // A standby's first round is every key too: /readyz counts it down once it leads.
    this.firstRound ??= new Set(this.everyKey());
    if (this.election) void this.o.notifier?.ready('standby: waiting for the lease');
    this.o.logger.info({ url: this.url, directory: this.config.directory, leaderElection: this.election !== undefined }, 'meshd is running');
    return this.url;
  }

  /** Asks a helm client for its version, once per client until the config is reloaded. */
  private probeHelm(binary: string): Promise<HelmProbe> {
    const probe = this.o.probeHelm;
    if (probe === undefined) return Promise.resolve({ failure: 'no helm probe' });
    this.helmProbes ??= onceEachHelm((b) => probe(b, this.abort.signal));
    return this.helmProbes(binary);
  }

  /** The page timeline's view of the clusters a report covers (none without a report), as the state is now. */
  private timelineView(report: PassReport | undefined): TimelineView {
    const names = report?.clusters.map((c) => c.name) ?? [];
    return timelineView(this.state, names, this.backendNames());
  }

  /** The registered backends' and renderers' names (the loaded plugins'). */
  private backendNames(): string[] {
    return this.plugins.filter((p) => p.kind === 'backend').map((p) => p.name);
  }

  /** The /status body right now. */
  status(): MeshStatus {
    return statusFromReports(this.state, this.statusContext());
  }

  /** /readyz's part of /status right now, without a view of every cluster. */
  readiness(): Pick<MeshStatus, 'ready' | 'readyReasons'> {
    const reasons = readinessReasons(this.state, this.statusContext());
    return { ready: reasons.length === 0, readyReasons: reasons };
  }

  /** The daemon's own facts /status and /readyz show besides the pass reports. */
  private statusContext(): StatusContext {
    const context: StatusContext = {
      directory: this.config.directory,
      startedAt: this.startedAt,
      shuttingDown: this.stopping,
      queue: { depth: this.queue.depth(), active: this.queue.active() },
      backends: this.backendNames(),
    };
    const problem = this.directory.problem();
    if (problem !== undefined) context.directoryProblem = problem;
    if (this.election) context.leader = this.election.status();
    if (this.istiodSync) context.istiod = this.istiodSync;
    if (this.firstRound !== undefined) context.firstRoundPending = this.firstRound.size;
    return context;
  }

  /**
   * Stops every part in reverse start order (manager.ts): the directory source, the queue (the
   * reconciles in flight finish, bounded), the watches, the timers, the lease, the health server.
   */
  async shutdown(reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.o.logger.info({ reason }, 'stopping');
    void this.o.notifier?.stopping();
    await this.manager.stop();
    this.abort.abort(new Error('meshd stopped'));
  }

  /** Reloads meshd.yaml; a config or plugin config that fails keeps the running one. */
  async reload(): Promise<boolean> {
    void this.o.notifier?.reloading();
    const loaded = await this.loadNextConfig();
    if (loaded === undefined) return false;
    const { next, plugins } = loaded;
    const before = this.config;
    if (next.stateDirectory !== before.stateDirectory && !(await this.switchStateStore(next.stateDirectory))) return false;
    this.config = next;
    this.plugins = plugins;
    this.helmProbes = undefined;
    this.queue.setResyncMs(next.resync);
    if (next.listen !== before.listen && !this.o.listen) this.o.logger.warn({ listen: next.listen }, 'a new listen address takes effect after a restart');
    if (next.directory !== before.directory) await this.directory.rewatch();
    else this.directory.invalidate();
    this.enqueueEveryKey();
    this.o.logger.info({ directory: next.directory }, 'configuration reloaded');
    void this.o.notifier?.ready('configuration reloaded');
    return true;
  }

  /** meshd.yaml read again with its plugins loaded; undefined (logged, notified) when either fails. */
  private async loadNextConfig(): Promise<{ next: MeshdConfig; plugins: LoadedPlugin[] } | undefined> {
    try {
      const next = await this.o.loadConfig();
      const plugins = loadPlugins(this.o.plugins ?? BUILTIN_PLUGINS, next, this.o.logger, this.pluginHost());
      return { next, plugins };
    } catch (err) {
      this.o.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload failed; keeping the previous configuration');
      void this.o.notifier?.ready('config reload failed; running with the previous configuration');
      return undefined;
    }
  }

  /** Opens the reloaded config's state directory (none when undefined); false (logged) when it cannot be used. */
  private async switchStateStore(stateDirectory: string | undefined): Promise<boolean> {
    try {
      this.stateStore = stateDirectory === undefined ? undefined : await StateStore.open(stateDirectory);
      return true;
    } catch (err) {
      this.o.logger.error(
        { err: err instanceof Error ? err.message : String(err) },
        'config reload failed: the new state directory cannot be used; keeping the previous configuration',
      );
      return false;
    }
  }

  /** Remotes the daemon knows besides the directory: the last good mesh's and the remembered members. */
  private knownRemotes(): string[] {
    const remembered = (this.stateStore?.members() ?? []).filter((r) => r.role === 'remote' && r.leftAt === undefined).map((r) => r.name);
    return [...(this.lastGood.mesh?.remotes.map((r) => r.name) ?? []), ...remembered];
  }

  /** Every key: each remote's, then the registry's. */
  private everyKey(): string[] {
    return this.directory.everyKey();
  }

  /** The keys a Pilot, Mixer or statsd move enqueues: each remote's, and the registry's when it publishes a server chosen by Pilot's IP. */
  private endpointReaders(): string[] {
    const remotes = this.directory.remoteKeys();
    return registryReadsEndpoints(this.lastGood.mesh, this.config.clusters) ? [...remotes, REGISTRY_KEY] : remotes;
  }

  /** What the plugins get from the daemon: its signal, and a requeue of every remote (counted, logged). */
  private pluginHost(): PluginHost {
    return {
      signal: this.abort.signal,
      requeue: (plugin, reason) => {
        this.metrics.pluginRequeue(plugin, reason);
        this.o.logger.warn({ plugin, reason }, 'a plugin asked for another pass of every remote');
        for (const key of this.directory.remoteKeys()) this.queue.add(key);
      },
    };
  }

  private enqueueEveryKey(): void {
    for (const key of this.everyKey()) this.queue.add(key);
  }

  /** Folds a finished pass's report into status, metrics, watches and timers; a membership change enqueues the registry key. */
  private absorbReport(record: ReconcileRecord<PassReport>, report: PassReport): boolean {
    this.state = foldReport(this.state, record.key, report, Date.now());
    this.metrics.observeErrors(reportedErrors(report));
    // An unreachable cluster's watches probe it and enqueue it once it answers (they may sit on
    // connections that died silently: suspect() makes them start over).
    for (const c of report.clusters) if (c.state === 'unreachable') this.watches.suspect(c.name);
    if (this.stopping) return false;
    const membershipChanged = report.part === 'clusters' && report.membershipChanged === true;
    const credentialRerun = this.credentialRerun.needed(record, report);
    if (credentialRerun || membershipChanged) this.queue.add(REGISTRY_KEY);
    this.refreshIstiodSync();
    // A reconcile that ends after the lease was lost arms no timer and starts no watch on a standby.
    if (this.election === undefined || this.manager.isLeading()) this.followReport(report);
    return credentialRerun;
  }

  /** The leader-only parts a report re-arms: the credential timers, the cluster watches (and the connections they keep). */
  private followReport(report: PassReport): void {
    if (report.credentials) this.credentialTimers.update(report.credentials);
    if (!report.mesh) return;
    this.watches.update(report.mesh);
    this.pool.retain([report.mesh.controlPlane, ...report.mesh.remotes].map((c) => c.name));
  }

  /** Reads istiod's sync state per cluster (config istiod.debugUrl) after a pass; one read at a time. */
  private refreshIstiodSync(): void {
    const url = this.config.istiod.debugUrl;
    if (url === '' || this.istiodReading || this.stopping) return;
    this.istiodReading = true;
    void readIstiodSync(url, this.abort.signal).then((sync) => {
      this.istiodSync = sync;
      this.istiodReading = false;
    });
  }

  /** How a reconcile ended, with its report: the one place the daemon learns about it. */
  private onResult(record: ReconcileRecord<PassReport>): void {
    const report = record.report;
    if (report === undefined && record.outcome === 'success') {
      this.o.logger.debug({ key: record.key }, 'not the leader: skipped');
      return;
    }
    const before = this.timelineView(report);
    const credentialRerun = report !== undefined && this.absorbReport(record, report);
    this.trackFirstRound(record, credentialRerun);
    const label = resultLabelOf(record);
    const error = record.error === undefined ? undefined : reportErrorOf(record.error);
    this.countReconcile(record, label, error);
    this.state = recordReconcile(this.state, lastReconcileOf(record, error));
    this.feed.record(before, this.timelineView(report));
    logReconcile(this.o.logger, record, label, error);
    this.readyAfterFirstReconcile(record, label);
  }

  /**
   * A key of the first round that finished (not aborted) no longer holds readiness back; start-up is
   * not done while a credential that waited for its install has yet to be minted (its rerun joins it).
   */
  private trackFirstRound(record: ReconcileRecord, credentialRerun: boolean): void {
    if (record.outcome !== 'aborted') this.firstRound?.delete(record.key);
    if (credentialRerun && !this.readySent) this.firstRound?.add(REGISTRY_KEY);
  }

  /** The reconcile's metrics; one that threw (no report) counts its error here, a report's errors were counted with it. */
  private countReconcile(record: ReconcileRecord<PassReport>, label: ReconcileResultLabel, error: ReportError | undefined): void {
    this.metrics.observeReconcile(record.key, label, record.durationMs);
    if (record.report === undefined && error !== undefined && record.outcome !== 'aborted') this.metrics.observeErrors([error]);
  }

  /** Tells systemd meshd is ready (and starts its watchdog) once, when every key of the first round has reconciled (not aborted). */
  private readyAfterFirstReconcile(record: ReconcileRecord, label: ReconcileResultLabel): void {
    if (this.readySent || record.outcome === 'aborted' || !this.state.latest || (this.firstRound?.size ?? 0) > 0) return;
    this.readySent = true;
    void this.o.notifier?.ready(`first reconcile done: ${label}`);
    this.o.notifier?.startWatchdog();
  }

  /** The workers start (leading, or at start-up without leader election): every key is the first round again. */
  private beginFirstRound(): void {
    this.firstRound = new Set(this.everyKey());
    this.enqueueEveryKey();
  }

  private startedLeading(): void {
    void this.manager.startLeading().then(
      () => void this.o.notifier?.status('leader'),
      (err: unknown) => this.o.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'cannot act as the leader'),
    );
  }

  private stoppedLeading(): void {
    void this.manager.stopLeading();
    if (!this.stopping) void this.o.notifier?.status('standby: waiting for the lease');
  }
}
