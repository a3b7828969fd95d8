import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { hasCode, loadConfig, type MeshdConfig, type MeshdConfigInput } from '@meshd/core';
import { BUILTIN_PLUGINS } from '../../plugins.js';
import type { SignalSource } from '../../daemon/process/lifecycle.js';
import { BUNDLED_CHART, probeHelm } from '../../pass-runner.js';
import type { CommandIo } from '../../io.js';

/** Options of `meshd run`. */
export interface RunOptions {
  dir?: string;
  config?: string;
  listen?: string;
  logLevel?: string;
  leaderElect?: boolean;
  leaseNamespace?: string;
  leaseName?: string;
}

/** The process the daemon runs in: injected so tests run it in-process; defaults to the real one. */
export interface RunProcess {
  signals: SignalSource;
  /** Where logs go (stdout: journald under systemd). */
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  pid: number;
  hostname: string;
  /** Called with the exit code when the daemon has stopped (forces an exit if something lingers). */
  exit(code: number): void;
}

function realProcess(): RunProcess {
  return {
    signals: process,
    stdout: process.stdout,
    pid: process.pid,
    hostname: hostname(),
    exit: (code) => setTimeout(() => process.exit(code), 2000).unref(),
  };
}

/** Registers `meshd run [--dir DIR] [--config FILE] [--listen HOST:PORT]`. */
export function register(program: Command, io: CommandIo): void {
  program
    .command('run')
    .description('run the daemon: watch the directory and the clusters, reconcile continuously, serve /healthz /readyz /status /metrics')
    .option('--dir <DIR>', 'the cluster directory (default: `directory` from meshd.yaml, ~/multicluster)')
    .option('--config <FILE>', 'meshd.yaml (default: ~/.config/meshd/meshd.yaml, then /etc/meshd/meshd.yaml)')
    .option('--listen <HOST:PORT>', 'health server address (default: `listen` from meshd.yaml, 127.0.0.1:9580)')
    .option('--log-level <LEVEL>', 'debug, info, warn or error', 'info')
    .option('--leader-elect', 'run as one of several meshd: only the holder of a Lease on the control plane acts')
    .option('--lease-namespace <NS>', 'namespace of the Lease on the control plane', 'kube-system')
    .option('--lease-name <NAME>', 'name of the Lease', 'meshd')
    .addHelpText('after', '\nSignals: SIGTERM/SIGINT stop after the reconcile in flight (exit 0, at most 20 s); SIGHUP reloads meshd.yaml.')
    .action(async (options: RunOptions) => io.setExitCode(await runDaemon(options, io)));
}

function overridesOf(options: RunOptions, io: CommandIo): MeshdConfigInput {
  const overrides: MeshdConfigInput = {};
  if (options.dir !== undefined) overrides.directory = resolve(io.cwd, options.dir);
  if (options.listen !== undefined) overrides.listen = options.listen;
  return overrides;
}

/** Runs the daemon until a signal stops it; resolves with the exit code (0 after a clean stop). */
export async function runDaemon(options: RunOptions, io: CommandIo, proc: RunProcess = realProcess()): Promise<number> {
  const load = (reloading = false): Promise<MeshdConfig> =>
    loadConfig(options.config, overridesOf(options, io), {
      homeDir: io.homeDir,
      cwd: io.cwd,
      env: io.env,
      defaultChart: BUNDLED_CHART,
      reloading,
      // `backend:` names a registered backend or renderer; each plugin's own keys are validated too.
      plugins: BUILTIN_PLUGINS,
    });
  let config: MeshdConfig;
  try {
    config = await load();
  } catch (err) {
    if (!hasCode(err, 'MESHD_ERR_INVALID_CONFIG')) throw err;
    io.stderr(`${(err as Error).message}\n`);
    return 1;
  }
  // Loaded here, not at the top: `meshd validate`/`plan`/`apply` never pay for fastify, chokidar and prom-client.
  const [{ Daemon }, { installLifecycle }, { createDaemonLogger }, { Redactor }, { SystemdNotifier }] = await Promise.all([
    import('../../daemon/daemon.js'),
    import('../../daemon/process/lifecycle.js'),
    import('../../daemon/process/logger.js'),
    import('../../output/redact.js'),
    import('../../daemon/process/systemd.js'),
  ]);
  const redactor = new Redactor();
  const logger = createDaemonLogger({ destination: proc.stdout, redactor, level: options.logLevel ?? 'info' });
  const notifier = new SystemdNotifier({ env: io.env, pid: proc.pid, logger: logger.child({ component: 'systemd' }) });
  const daemon = new Daemon({
    config,
    loadConfig: () => load(true),
    logger,
    redactor,
    notifier,
    probeHelm,
    ...(options.leaderElect === true
      ? { leader: { namespace: options.leaseNamespace ?? 'kube-system', name: options.leaseName ?? 'meshd', identity: `${proc.hostname}-${proc.pid}` } }
      : {}),
  });
  try {
    await daemon.start();
  } catch (err) {
    logger.error({ err: err instanceof Error ? err.message : String(err) }, 'meshd could not start');
    await daemon.shutdown('start failed').catch(() => undefined);
    return 1;
  }
  return new Promise<number>((resolveExit) => {
    const uninstall = installLifecycle({
      signals: proc.signals,
      target: daemon,
      logger,
      exit: (code) => {
        uninstall();
        resolveExit(code);
        proc.exit(code);
      },
    });
  });
}
