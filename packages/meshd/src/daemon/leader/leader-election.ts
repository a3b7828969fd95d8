import type { ClusterClient } from '@meshd/core/cluster';
import type { Logger } from '@meshd/core';
import type { ValidCluster } from '@meshd/core/descriptor';
import { LeaderElector, type LeaderElectorOptions } from './leader.js';
import type { LeaderStatus } from '../status/status.js';
import { manyListenerAbortController } from '../process/abort.js';

/** Where the lease lives and who this daemon is (flags of `meshd run`). */
export type LeaderSettings = Pick<LeaderElectorOptions, 'namespace' | 'name' | 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>;

/**
 * The daemon's side of leader election: it starts the elector once the directory names a control
 * plane (the lease lives there), and tells the daemon when it starts and stops leading. A change of
 * the control plane's kubeconfig takes effect after a restart.
 */
export class LeaderElection {
  private elector: LeaderElector | undefined;
  private running: Promise<void> | undefined;
  private readonly stopper = manyListenerAbortController();
  private currentTerm: AbortSignal | undefined;
  private pending = false;

  constructor(
    private readonly settings: LeaderSettings,
    private readonly connect: (name: string, kubeconfigText: string) => ClusterClient,
    private readonly logger: Logger,
    private readonly on: { started(): void; stopped(): void },
  ) {}

  /** Begins campaigning (now, or at the first ensure() with a control plane). */
  start(signal: AbortSignal): void {
    this.pending = true;
    signal.addEventListener('abort', () => this.stopper.abort(), { once: true });
    if (this.elector && !this.running) this.running = this.elector.run(this.stopper.signal);
  }

  /** Starts the elector on `controlPlane` if it is not running yet. */
  ensure(controlPlane: ValidCluster): void {
    if (this.elector || this.stopper.signal.aborted) return;
    let client: ClusterClient;
    try {
      client = this.connect(controlPlane.name, controlPlane.kubeconfigText);
    } catch (err) {
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'cannot connect to the control plane for leader election');
      return;
    }
    this.elector = new LeaderElector({
      client,
      ...this.settings,
      logger: this.logger,
      onStartedLeading: (term) => {
        this.currentTerm = term;
        this.on.started();
      },
      onStoppedLeading: () => {
        this.currentTerm = undefined;
        this.on.stopped();
      },
    });
    if (this.pending) this.running = this.elector.run(this.stopper.signal);
  }

  /** True while this daemon holds the lease. */
  isLeader(): boolean {
    return this.elector?.isLeader() ?? false;
  }

  /** Aborted when the current leadership ends. */
  term(): AbortSignal | undefined {
    return this.currentTerm;
  }

  /** Leadership as /status shows it. */
  status(): LeaderStatus {
    const status: LeaderStatus = { enabled: true, isLeader: this.isLeader(), identity: this.settings.identity };
    const holder = this.elector?.holder();
    if (holder !== undefined && holder !== '') status.holder = holder;
    return status;
  }

  /** Stops campaigning and releases the lease if held. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }
}
