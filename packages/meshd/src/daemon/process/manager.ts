import type { Logger } from '@meshd/core';
import { manyListenerAbortController } from './abort.js';

/**
 * One part of the daemon that runs from start to stop: the health server, the directory source,
 * the work queue, the cluster watches, the leader elector… (controller-runtime's Runnable). It owns
 * its own state; the manager only decides when it starts and stops.
 */
export interface Runnable {
  /** Names it in logs and in a start failure ("cannot start health server: …"). */
  readonly name: string;
  /**
   * Runs only while this process holds the lease (controller-runtime's LeaderElectionRunnable):
   * started when leading begins, stopped when it ends. Without leader election it runs from start
   * to stop like the rest.
   */
  readonly needsLeader?: boolean;
  /** Longest stop() may take before the manager goes on without it; default the manager's. */
  readonly stopTimeoutMs?: number;
  /**
   * Starts it; resolves once it runs, rejects when it cannot start. `signal` is aborted when it must
   * stop working at once: when leadership is lost (a leader-only runnable, before its stop()), or
   * when the manager has stopped (after every stop()).
   */
  start(signal: AbortSignal): Promise<void>;
  /** Stops it gracefully; resolves when it has stopped. Called once after each start that resolved. */
  stop(): Promise<void>;
}

/** A runnable whose start() rejected; the cause is the rejection. */
export class RunnableStartError extends Error {
  constructor(
    readonly runnable: string,
    cause: unknown,
  ) {
    super(`cannot start ${runnable}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RunnableStartError';
  }
}

/** Options of RunnableManager. */
export interface RunnableManagerOptions {
  logger: Logger;
  /** True: leader-only runnables wait for startLeading(). False: they start with the others. */
  leaderElection: boolean;
  /** Default bound on each runnable's stop(); default 10 s. */
  stopTimeoutMs?: number;
}

/**
 * Starts the daemon's runnables in the order they were added and stops them in the reverse order,
 * each stop bounded, the way controller-runtime's Manager does. Leader-only runnables run while
 * startLeading() … stopLeading() (the elector's callbacks), in their place in that order. Start,
 * leading changes and stop are serialised: one transition at a time. A runnable that fails to start
 * stops the ones started with it, and the failure names it. Owns nothing but which runnable runs.
 */
export class RunnableManager {
  private readonly runnables: Runnable[] = [];
  /** The running runnables, each with the controller of the signal its start() got. */
  private readonly running = new Map<Runnable, AbortController>();
  private transitions: Promise<unknown> = Promise.resolve();
  private leading = false;
  private stopped = false;

  constructor(private readonly options: RunnableManagerOptions) {}

  /** Adds a runnable after the ones added before (it starts after them and stops before them). */
  add(runnable: Runnable): this {
    this.runnables.push(runnable);
    return this;
  }

  /** Names of the running runnables, in start order. */
  runningNames(): string[] {
    return this.inOrder([...this.running.keys()]).map((r) => r.name);
  }

  /** True between startLeading() and stopLeading() (always false with leader election off). */
  isLeading(): boolean {
    return this.leading;
  }

  /**
   * Starts every runnable (leader-only ones too when leader election is off), in order. Rejects with
   * a RunnableStartError after stopping the ones it started when one fails.
   */
  start(): Promise<void> {
    return this.serialise(async () => {
      if (this.stopped) throw new Error('the manager has stopped');
      const first = this.runnables.filter((r) => !this.options.leaderElection || r.needsLeader !== true);
      await this.startAll(first);
    });
  }

  /** This process now leads: starts the leader-only runnables in order (none after stop()). */
  startLeading(): Promise<void> {
    return this.serialise(async () => {
      if (this.stopped || this.leading || !this.options.leaderElection) return;
      this.leading = true;
      try {
        await this.startAll(this.runnables.filter((r) => r.needsLeader === true));
      } catch (err) {
        this.leading = false;
        throw err;
      }
    });
  }

  /** Leadership is lost: aborts the leader-only runnables' signals, then stops them in reverse order. */
  stopLeading(): Promise<void> {
    return this.serialise(async () => {
      if (!this.leading) return;
      this.leading = false;
      const leaders = this.runnables.filter((r) => r.needsLeader === true && this.running.has(r));
      for (const r of leaders) this.running.get(r)?.abort(new Error('no longer the leader'));
      await this.stopAll(leaders);
    });
  }

  /** Stops every running runnable in reverse order, each bounded, then aborts their signals. Idempotent. */
  stop(): Promise<void> {
    return this.serialise(async () => {
      this.stopped = true;
      this.leading = false;
      await this.stopAll([...this.running.keys()]);
    });
  }

  private serialise<T>(transition: () => Promise<T>): Promise<T> {
    const next = this.transitions.then(transition);
    this.transitions = next.catch(() => undefined);
    return next;
  }

  private inOrder(runnables: Runnable[]): Runnable[] {
    return [...runnables].sort((a, b) => this.runnables.indexOf(a) - this.runnables.indexOf(b));
  }

  /** Starts `runnables` in order; on a failure stops the ones this call started and rejects, naming it. */
  private async startAll(runnables: Runnable[]): Promise<void> {
    const started: Runnable[] = [];
    for (const runnable of runnables) {
      if (this.running.has(runnable)) continue;
      const controller = manyListenerAbortController();
      try {
        await runnable.start(controller.signal);
      } catch (err) {
        this.options.logger.error({ runnable: runnable.name, err: err instanceof Error ? err.message : String(err) }, 'a part of meshd could not start');
        controller.abort(err);
        await this.stopAll(started);
        throw new RunnableStartError(runnable.name, err);
      }
      this.running.set(runnable, controller);
      started.push(runnable);
    }
  }

  /** Stops `runnables` in reverse order (each bounded), then aborts the signals they were started with. */
  private async stopAll(runnables: Runnable[]): Promise<void> {
    const stopping = this.inOrder(runnables).reverse();
    for (const runnable of stopping) await this.stopOne(runnable);
    for (const runnable of stopping) {
      this.running.get(runnable)?.abort(new Error('meshd stopped'));
      this.running.delete(runnable);
    }
  }

  /** One runnable's stop(), given up after its bound (logged); a stop that throws is logged too. */
  private async stopOne(runnable: Runnable): Promise<void> {
    const bound = runnable.stopTimeoutMs ?? this.options.stopTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), bound);
      timer.unref();
    });
    const stopped = runnable.stop().then(
      () => 'stopped' as const,
      (err: unknown) => {
        this.options.logger.error({ runnable: runnable.name, err: err instanceof Error ? err.message : String(err) }, 'a part of meshd failed to stop');
        return 'stopped' as const;
      },
    );
    const outcome = await Promise.race([stopped, expired]);
    clearTimeout(timer);
    if (outcome === 'expired')
      this.options.logger.warn({ runnable: runnable.name, boundMs: bound }, 'a part of meshd did not stop in time; going on without it');
  }
}
