import type { ReportedError } from '@meshd/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StatusState } from './status-state.js';

/**
 * How often the event-loop lag (meshd_nodejs_eventloop_lag_*) is sampled, ms: once a second, which
 * still catches the stalls that matter to a daemon (a pass, a GC: hundreds of ms and more).
 * prom-client's default, 10 ms, is a timer waking the idle daemon 100 times a second: an idle Node
 * process with the default metrics spends 0.898 % of a core at 10 ms, 0.157 % at 100 ms, 0.093 %
 * at 1 000 ms and 0.087 % without them (bench machine, 40 s each); at 10 ms it was half of what a
 * daemon at 1 000 clusters spent idle (bench/RESULTS.md).
 */
const EVENT_LOOP_SAMPLE_MS = 1000;

/** What the metrics read when scraped (the queue and the status store own these facts). */
export interface MetricsSources {
  queueDepth(): number;
  status(): StatusState;
}

/** Result label of a reconcile: converged, not_converged, error, terminal or aborted. */
export type ReconcileResultLabel = 'converged' | 'not_converged' | 'error' | 'terminal' | 'aborted';

/**
 * meshd's Prometheus metrics, in a Registry of their own (never prom-client's global one, so tests
 * and embedders get a clean slate). Reconciles are counted by key (`cluster` label: a remote's name
 * or `@registry`) and result; gauges are computed from the status at scrape time.
 * Labels carry cluster names only, never credentials.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly reconciles: Counter<'cluster' | 'result'>;
  private readonly duration: Histogram<'cluster' | 'result'>;
  private readonly errors: Counter<'code' | 'retry'>;
  private readonly refused: Counter<'reason'>;
  private readonly requeues: Counter<'plugin' | 'reason'>;

  constructor(sources: MetricsSources, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.reconciles = new Counter({
      name: 'meshd_reconciles_total',
      help: 'Reconciles finished, by work-queue key and result.',
      labelNames: ['cluster', 'result'],
      registers,
    });
    this.errors = new Counter({
      name: 'meshd_errors_total',
      help: 'Errors met by reconciles, by catalogue code and retry class (terminal ones are parked, so counted once until their input changes).',
      labelNames: ['code', 'retry'],
      registers,
    });
    this.refused = new Counter({
      name: 'meshd_http_refused_requests_total',
      help: 'Requests the health server refused before routing them, by reason (host: a Host header that does not name it, e.g. DNS rebinding).',
      labelNames: ['reason'],
      registers,
    });
    this.requeues = new Counter({
      name: 'meshd_plugin_requeues_total',
      help: 'Passes of every remote a plugin asked for, by plugin and reason (render-shortcut-mismatch: helm contradicted a render made by substitution).',
      labelNames: ['plugin', 'reason'],
      registers,
    });
    this.duration = new Histogram({
      name: 'meshd_reconcile_duration_seconds',
      help: 'Duration of reconciles, by work-queue key and result.',
      labelNames: ['cluster', 'result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    });
    new Gauge({
      name: 'meshd_queue_depth',
      help: 'Keys waiting in the work queue.',
      registers,
      collect() {
        this.set(sources.queueDepth());
      },
    });
    new Gauge({
      name: 'meshd_cluster_reachable',
      help: '1 when the cluster answered in its last reconcile, 0 when not.',
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset();
        for (const [name, entry] of Object.entries(sources.status().clusters)) this.set({ cluster: name }, entry.report.reachable ? 1 : 0);
      },
    });
    new Gauge({
      name: 'meshd_last_successful_reconcile_timestamp_seconds',
      help: 'Unix time of the last reconcile that left its scope converged (0: none yet).',
      registers,
      collect() {
        this.set((sources.status().lastSuccessAt ?? 0) / 1000);
      },
    });
    new Gauge({
      name: 'meshd_files_in_error',
      help: 'Files of the cluster directory with at least one error (as of the newest pass).',
      registers,
      collect() {
        const findings = sources.status().latest?.report.findings ?? [];
        this.set(new Set(findings.filter((f) => f.severity === 'error' && f.file !== '').map((f) => f.file)).size);
      },
    });
    new Gauge({
      name: 'meshd_removals_held',
      help: 'Cluster removals held by the deletion budget (removals.maxPerPass) until confirmed.',
      registers,
      collect() {
        this.set(Object.values(sources.status().clusters).filter((c) => c.report.state === 'held').length);
      },
    });
    new Gauge({
      name: 'meshd_credential_expiry_timestamp_seconds',
      help: 'Unix time at which the minted Pilot credential of each cluster expires (absent: no expiry, a legacy token).',
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset();
        for (const c of sources.status().latest?.report.credentials ?? [])
          if (c.expiresAt !== undefined) this.set({ cluster: c.cluster }, Date.parse(c.expiresAt) / 1000);
      },
    });
    new Gauge({
      name: 'meshd_credential_rotation_timestamp_seconds',
      help: 'Unix time at which meshd mints the next Pilot credential of each cluster.',
      labelNames: ['cluster'],
      registers,
      collect() {
        this.reset();
        for (const c of sources.status().latest?.report.credentials ?? [])
          if (c.rotateAt !== undefined) this.set({ cluster: c.cluster }, Date.parse(c.rotateAt) / 1000);
      },
    });
    new Gauge({
      name: 'meshd_directory_valid',
      help: '1 when the newest pass found the cluster directory valid.',
      registers,
      collect() {
        this.set(sources.status().latest?.report.directoryValid === true ? 1 : 0);
      },
    });
    if (options.processMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: 'meshd_', eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  }

  /** Counts one finished reconcile. */
  observeReconcile(key: string, result: ReconcileResultLabel, durationMs: number): void {
    this.reconciles.inc({ cluster: key, result });
    this.duration.observe({ cluster: key, result }, durationMs / 1000);
  }

  /** Counts the errors one reconcile met (reportedErrors of its pass report, or its thrown error). */
  observeErrors(errors: readonly { code: string; retry: ReportedError['retry'] }[]): void {
    for (const e of errors) this.errors.inc({ code: e.code, retry: e.retry });
  }

  /** Counts one request the health server refused before routing it. */
  refusedRequest(reason: 'host'): void {
    this.refused.inc({ reason });
  }

  /** Counts one pass of every remote a plugin asked for (PluginContext.requeue). */
  pluginRequeue(plugin: string, reason: string): void {
    this.requeues.inc({ plugin, reason });
  }

  /** Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of text(). */
  get contentType(): string {
    return this.registry.contentType;
  }
}
