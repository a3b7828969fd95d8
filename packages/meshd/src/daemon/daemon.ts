import { ConnectionPool } from '@meshd/core/cluster';
import { loadPlugins, reportErrorOf, reportedErrors, runPass } from '@meshd/core';
import { readDirectorySnapshot, validateDirectory } from '@meshd/core/descriptor';
import { StateStore } from '@meshd/core/state';
import type { ClusterClient } from '@meshd/core/cluster';
import type { DesiredMesh } from '@meshd/core/descriptor';
import type { HelmProbe } from '@meshd/core/prereq';
import type { LoadedPlugin, Logger, MeshdConfig, PassOptions, PassReport, PluginDefinition, ReportError } from '@meshd/core';
import type { FastifyInstance } from 'fastify';
import { onceEachHelm } from '../pass-runner.js';
import { BUILTIN_PLUGINS } from '../plugins.js';
import { manyListenerAbortController } from './abort.js';
import { ClusterWatches } from './cluster-watches.js';
import { daemonWatchSpecs } from './daemon-watch-specs.js';
import type { Clock } from './clock.js';
import { buildHealthServer, listenHealthServer, parseListen } from './health.js';
import { everyKey, fingerprintDirectory, keysForDirectoryChange, REGISTRY_KEY, type DirectoryFingerprint } from './keys.js';
import { LeaderElection, type LeaderSettings } from './leader-election.js';
import { DaemonMetrics, type ReconcileResultLabel } from './metrics.js';
import { WorkQueue, type ReconcileRecord } from './queue.js';
import { keyReconciler } from './reconcile-key.js';
import { addSnapshotCredentials, type Redactor } from '../output/redact.js';
import { emptyStatusState, foldReport, recordReconcile, type LastReconcile, type StatusState } from './status-state.js';
import { statusFromReports, type MeshStatus } from './status.js';
import { StatusFeed } from './status-feed.js';
import type { SystemdNotifier } from './systemd.js';
import type { ServerVersionSource } from './version-watch.js';
import { DIRECTORY_QUIET_MS, watchDirectory, type DirectoryWatch } from './watch-dir.js';
import { CredentialTimers } from './credential-timers.js';
import { readIstiodSync, type IstiodSync } from './istiod-sync.js';

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
  /** Reads a cluster's server version (default GET /version); tests inject one. */
  readVersion?: ServerVersionSource;
}

function lastReconcileOf(record: ReconcileRecord, converged: boolean | undefined, error: ReportError | undefined): LastReconcile {
  const last: LastReconcile = { key: record.key, at: record.startedAt + record.durationMs, durationMs: record.durationMs, outcome: record.outcome };
  if (converged !== undefined) last.converged = converged;
  if (error !== undefined) last.error = error;
  return last;
}

function versionOptions(o: DaemonOptions): { versionProbeMs?: number; readVersion?: ServerVersionSource } {
  return { ...(o.versionProbeMs !== undefined ? { versionProbeMs: o.versionProbeMs } : {}), ...(o.readVersion ? { readVersion: o.readVersion } : {}) };
}

const RESULT_LABEL: Record<ReconcileRecord['outcome'], ReconcileResultLabel | undefined> = {
  success: undefined,
  requeue: undefined,
  error: 'error',
  terminal: 'terminal',
  aborted: 'aborted',
};

/** The result label of a reconcile that succeeded or was requeued: whether its pass converged. */
function convergenceLabel(pass: PassReport | undefined): ReconcileResultLabel {
  return pass?.converged === true ? 'converged' : 'not_converged';
}

/**
 * The meshd daemon: directory watch → work queue → one pass per key (a remote, or the registry) →
 * status, metrics and watches; the health server; optional leader election. Owns every piece it
 * starts and stops them all in shutdown(). Events only enqueue keys; every reconcile re-reads the
 * directory. It learns how a reconcile ended from one place, the queue's record (onResult), which
 * carries the pass report; a remote key whose report says membership changed enqueues the registry key.
 */
export class Daemon {
  readonly metrics: DaemonMetrics;
  readonly queue: WorkQueue<PassReport>;
  private config: MeshdConfig;
  private plugins: LoadedPlugin[] = [];
  /** Each helm client's version, asked once per config (core asks only for clients a plugin in use needs). */
  private helmProbes: ((binary: string) => Promise<HelmProbe>) | undefined;
  private state: StatusState = emptyStatusState();
  private readonly lastGood: { mesh?: DesiredMesh } = {};
  /** When each remote's key last reported it converged (the queue's clock). */
  private readonly remoteConvergedAt = new Map<string, number>();
  /** Remotes whose credential waited for their install in the registry key's last report. */
  private awaitingInstall = new Set<string>();
  private readonly watches: ClusterWatches;
  private readonly abort = manyListenerAbortController();
  /** One client per cluster and kubeconfig, shared by passes and watches. */
  private readonly pool = new ConnectionPool({ signal: this.abort.signal });
  private readonly startedAt = Date.now();
  private readonly election: LeaderElection | undefined;
  private fingerprint: DirectoryFingerprint | undefined;
  private dirWatch: DirectoryWatch | undefined;
  private directoryEvents: Promise<void> = Promise.resolve();
  private server: FastifyInstance | undefined;
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
    this.watches = new ClusterWatches({
      specs: () => daemonWatchSpecs(this.plugins),
      connect,
      enqueue: (keys) => keys.forEach((k) => this.queue.add(k)),
      everyKey: () => this.everyKey(),
      logger: o.logger.child({ component: 'watch' }),
      watchTimeoutSeconds: () => Math.max(1, Math.round(this.config.watchTimeout / 1000)),
      ...versionOptions(o),
    });
    if (o.leader)
      this.election = new LeaderElection(o.leader, connect, o.logger.child({ component: 'leader' }), {
        started: () => this.startedLeading(),
        stopped: () => this.stoppedLeading(),
      });
    this.queue = new WorkQueue<PassReport>({
      concurrency: this.config.concurrency,
      resyncMs: this.config.resync,
      ...(o.clock ? { clock: o.clock } : {}),
      onResult: (record) => this.onResult(record),
      reconcile: keyReconciler({
        config: () => this.config,
        plugins: () => this.plugins,
        ...(o.probeHelm ? { helm: (binary: string) => this.probeHelm(binary) } : {}),
        runPass: o.runPass ?? ((options) => runPass({ ...options, connect })),
        logger: o.logger.child({ component: 'reconcile' }),
        redactor: o.redactor,
        lastGood: this.lastGood,
        state: () => this.stateStore,
        controlPlanePods: (selector) => this.watches.controlPlanePods(selector),
        isActive: () => this.election?.isLeader() ?? true,
        term: () => this.election?.term(),
      }),
    });
  }

  /** Starts everything; resolves with the health server's URL. Throws (nothing left running) on invalid plugin config or a busy port. */
  async start(): Promise<string> {
    if (this.config.stateDirectory !== undefined) this.stateStore = await StateStore.open(this.config.stateDirectory);
    this.plugins = loadPlugins(this.o.plugins ?? BUILTIN_PLUGINS, this.config, this.o.logger, this.abort.signal);
    const listen = this.o.listen ?? parseListen(this.config.listen) ?? { host: '127.0.0.1', port: 9580 };
    this.server = buildHealthServer({
      status: () => this.status(),
      metrics: this.metrics,
      redactor: this.o.redactor,
      logger: this.o.logger.child({ component: 'http' }),
      feed: this.feed,
      listen,
      allowedHosts: () => this.config.allowedHosts,
    });
    const url = await listenHealthServer(this.server, listen);
    await this.watchDirectory();
    await this.onDirectoryChange([]);
    this.firstRound ??= new Set(this.everyKey());
    if (!this.election) this.queue.start();
    else {
      this.election.start(this.abort.signal);
      void this.o.notifier?.ready('standby: waiting for the lease');
    }
    this.o.logger.info({ url, directory: this.config.directory, leaderElection: this.election !== undefined }, 'meshd is running');
    return url;
  }

  /** Asks a helm client for its version, once per client until the config is reloaded. */
  private probeHelm(binary: string): Promise<HelmProbe> {
    const probe = this.o.probeHelm;
    if (probe === undefined) return Promise.resolve({ failure: 'no helm probe' });
    this.helmProbes ??= onceEachHelm((b) => probe(b, this.abort.signal));
    return this.helmProbes(binary);
  }

  /** The registered backends' and renderers' names (the loaded plugins'). */
  private backendNames(): string[] {
    return this.plugins.filter((p) => p.kind === 'backend').map((p) => p.name);
  }

  /** The /status body right now. */
  status(): MeshStatus {
    const context: Parameters<typeof statusFromReports>[1] = {
      directory: this.config.directory,
      startedAt: this.startedAt,
      shuttingDown: this.stopping,
      queue: { depth: this.queue.depth(), active: this.queue.active() },
      backends: this.backendNames(),
    };
    const problem = this.dirWatch?.problem();
    if (problem !== undefined) context.directoryProblem = problem;
    if (this.election) context.leader = this.election.status();
    if (this.istiodSync) context.istiod = this.istiodSync;
    if (this.firstRound !== undefined) context.firstRoundPending = this.firstRound.size;
    return statusFromReports(this.state, context);
  }

  /** Stops taking work, lets the reconciles in flight finish (bounded), stops watches, the lease and the server. */
  async shutdown(reason: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.o.logger.info({ reason }, 'stopping');
    void this.o.notifier?.stopping();
    await this.dirWatch?.close();
    const finished = await this.queue.shutdown(this.o.shutdownGraceMs ?? 15_000);
    if (!finished) this.o.logger.warn('a reconcile did not finish in time and was aborted');
    this.watches.stopAll();
    this.credentialTimers.stopAll();
    await this.election?.stop();
    this.abort.abort(new Error('meshd stopped'));
    this.feed.close();
    await this.server?.close();
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
    if (next.directory !== before.directory) await this.rewatchDirectory();
    this.enqueueEveryKey();
    this.o.logger.info({ directory: next.directory }, 'configuration reloaded');
    void this.o.notifier?.ready('configuration reloaded');
    return true;
  }

  /** meshd.yaml read again with its plugins loaded; undefined (logged, notified) when either fails. */
  private async loadNextConfig(): Promise<{ next: MeshdConfig; plugins: LoadedPlugin[] } | undefined> {
    try {
      const next = await this.o.loadConfig();
      const plugins = loadPlugins(this.o.plugins ?? BUILTIN_PLUGINS, next, this.o.logger, this.abort.signal);
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

  /** The directory moved: watch the new one and read it as if for the first time. */
  private async rewatchDirectory(): Promise<void> {
    await this.dirWatch?.close();
    this.fingerprint = undefined;
    await this.watchDirectory();
    await this.onDirectoryChange([]);
  }

  private async watchDirectory(): Promise<void> {
    const watch = watchDirectory({
      dir: this.config.directory,
      logger: this.o.logger.child({ component: 'directory' }),
      debounceMs: this.o.debounceMs ?? DIRECTORY_QUIET_MS,
      onChange: (names) => void this.onDirectoryChange(names),
    });
    this.dirWatch = watch;
    await watch.ready;
  }

  /** Re-reads the directory, logs new findings, and enqueues the keys whose inputs changed (serialised). */
  private onDirectoryChange(names: string[]): Promise<void> {
    const run = async (): Promise<void> => {
      const snapshot = await readDirectorySnapshot(this.config.directory);
      addSnapshotCredentials(this.o.redactor, snapshot);
      const validation = validateDirectory(snapshot, {
        registryMode: this.config.registry.mode,
        credentialsMode: this.config.credentials.mode,
        backends: this.backendNames(),
      });
      for (const f of validation.findings.filter((x) => x.severity === 'error'))
        this.o.logger.warn({ file: f.file, line: f.line, col: f.col }, `${f.file}:${f.line}:${f.col}: ${f.message}`);
      const next = fingerprintDirectory(validation);
      const keys = keysForDirectoryChange(this.fingerprint, next, this.knownRemotes());
      this.fingerprint = next;
      if (names.length > 0) this.o.logger.info({ files: names, keys }, 'cluster directory changed');
      const cp = validation.clusters.find((c) => c.role === 'control-plane');
      if (cp) this.election?.ensure(cp);
      for (const key of keys) this.queue.add(key);
    };
    this.directoryEvents = this.directoryEvents
      .then(run)
      .catch((err: unknown) => this.o.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'cannot read the cluster directory'));
    return this.directoryEvents;
  }

  /** Remotes the daemon knows besides the directory: the last good mesh's and the remembered members. */
  private knownRemotes(): string[] {
    const remembered = (this.stateStore?.members() ?? []).filter((r) => r.role === 'remote' && r.leftAt === undefined).map((r) => r.name);
    return [...(this.lastGood.mesh?.remotes.map((r) => r.name) ?? []), ...remembered];
  }

  /** Every key: each remote's, then the registry's. */
  private everyKey(): string[] {
    return everyKey(this.fingerprint, this.knownRemotes());
  }

  private enqueueEveryKey(): void {
    for (const key of this.everyKey()) this.queue.add(key);
  }

  /**
   * Whether the registry key must run again for a credential that waited for its cluster's install
   * (credentials-step.ts awaitsItsInstall): a cluster-key report where such a remote is converged, or
   * a registry report naming a remote that converged after that registry reconcile had started (it
   * may have looked before the namespace existed). Remembers what it needs for the next report.
   */
  private credentialAwaitsRerun(record: ReconcileRecord<PassReport>, report: PassReport): boolean {
    if (report.part === 'registry') {
      this.awaitingInstall = new Set(report.awaitingInstall ?? []);
      return [...this.awaitingInstall].some((name) => (this.remoteConvergedAt.get(name) ?? -Infinity) > record.startedAt);
    }
    let rerun = false;
    for (const c of report.clusters) {
      if (c.role !== 'remote' || c.state !== 'converged') continue;
      this.remoteConvergedAt.set(c.name, record.startedAt + record.durationMs);
      if (this.awaitingInstall.has(c.name)) rerun = true;
    }
    return rerun;
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
    const credentialRerun = this.credentialAwaitsRerun(record, report);
    if (credentialRerun || membershipChanged) this.queue.add(REGISTRY_KEY);
    if (report.credentials) this.credentialTimers.update(report.credentials);
    this.refreshIstiodSync();
    if (report.mesh) {
      this.watches.update(report.mesh);
      this.pool.retain([report.mesh.controlPlane, ...report.mesh.remotes].map((c) => c.name));
    }
    return credentialRerun;
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
    const credentialRerun = report !== undefined && this.absorbReport(record, report);
    this.leaveFirstRound(record, credentialRerun);
    const label = RESULT_LABEL[record.outcome] ?? convergenceLabel(report);
    const error = record.error === undefined ? undefined : reportErrorOf(record.error);
    this.countReconcile(record, label, error);
    this.state = recordReconcile(this.state, lastReconcileOf(record, report?.converged, error));
    this.feed.changed();
    this.logResult(record, label, error, report?.writes ?? 0);
    this.readyAfterFirstReconcile(record, label);
  }

  /**
   * A key of the first round that finished (not aborted) no longer holds readiness back; start-up is
   * not done while a credential that waited for its install has yet to be minted (`credentialRerun`).
   */
  private leaveFirstRound(record: ReconcileRecord, credentialRerun: boolean): void {
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

  private logResult(record: ReconcileRecord, label: ReconcileResultLabel, error: ReportError | undefined, writes: number): void {
    const log = { key: record.key, result: label, durationMs: record.durationMs, writes };
    if (record.outcome === 'error')
      this.o.logger.warn({ ...log, err: error?.message, code: error?.code, failures: record.failures }, 'reconcile failed; retrying with backoff');
    else if (record.outcome === 'terminal')
      this.o.logger.error({ ...log, err: error?.message, code: error?.code }, 'reconcile failed on invalid input; waiting for it to change');
    else this.o.logger.info(log, 'reconciled');
  }

  private startedLeading(): void {
    this.firstRound = new Set(this.everyKey());
    this.enqueueEveryKey();
    this.queue.start();
    this.queue.resume();
    void this.o.notifier?.status('leader');
  }

  private stoppedLeading(): void {
    this.queue.pause();
    this.watches.stopAll();
    void this.o.notifier?.status('standby: waiting for the lease');
  }
}
