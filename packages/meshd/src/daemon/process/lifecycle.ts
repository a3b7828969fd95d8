import type { Logger } from '@meshd/core';

/** The part of `process` signal handling needs (injected so tests send fake signals). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** What the lifecycle drives; the daemon implements it. */
export interface LifecycleTarget {
  /** Stops taking work and lets the action in flight finish; resolves when stopped. */
  shutdown(reason: string): Promise<void>;
  /** Reloads meshd.yaml; a bad file keeps the old config (the target logs why) and resolves false. */
  reload(): Promise<boolean>;
}

/** Options of installLifecycle. */
export interface LifecycleOptions {
  signals: SignalSource;
  target: LifecycleTarget;
  logger: Logger;
  /** Exits the process (process.exit in production). */
  exit: (code: number) => void;
  /** Longest a shutdown may take before meshd exits anyway; default 20 s. */
  graceMs?: number;
}

/**
 * SIGTERM/SIGINT: shut down once (the action in flight finishes), then exit 0, at the latest after
 * `graceMs`; a second signal while stopping exits 1 at once. SIGHUP: reload the config, one at a
 * time (a SIGHUP during a reload runs one more reload after it). Returns the uninstaller.
 */
export function installLifecycle(options: LifecycleOptions): () => void {
  const { signals, target, logger } = options;
  const graceMs = options.graceMs ?? 20_000;
  let stopping = false;
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;

  const stop = (signal: NodeJS.Signals) => (): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      options.exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, graceMs }, 'shutting down: letting the reconcile in flight finish');
    const timer = setTimeout(() => {
      logger.warn({ graceMs }, 'shutdown took too long: exiting anyway');
      options.exit(0);
    }, graceMs);
    timer.unref();
    target
      .shutdown(`signal ${signal}`)
      .catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed'))
      .finally(() => {
        clearTimeout(timer);
        logger.info('stopped');
        options.exit(0);
      });
  };

  const runReload = async (): Promise<void> => {
    do {
      reloadAgain = false;
      try {
        await target.reload();
      } catch (err) {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'config reload failed; keeping the previous configuration');
      }
    } while (reloadAgain && !stopping);
    reloading = undefined;
  };
  const hup = (): void => {
    if (stopping) return;
    logger.info({ signal: 'SIGHUP' }, 'reloading the configuration');
    if (reloading) {
      reloadAgain = true;
      return;
    }
    reloading = runReload();
  };

  const term = stop('SIGTERM');
  const int = stop('SIGINT');
  signals.on('SIGTERM', term);
  signals.on('SIGINT', int);
  signals.on('SIGHUP', hup);
  return () => {
    signals.off('SIGTERM', term);
    signals.off('SIGINT', int);
    signals.off('SIGHUP', hup);
  };
}
