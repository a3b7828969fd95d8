import { InvalidArgumentError, type Command } from 'commander';
import type { CommandIo } from '../../io.js';
import { runReconcileCommand } from './reconcile-command.js';

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number, e.g. 2');
  return Number(value);
}

/** Registers `meshd apply [--dir DIR] [--config FILE] [--json] [--allow-removals N]`. */
export function register(program: Command, io: CommandIo): void {
  program
    .command('apply')
    .description('run one reconcile pass: publish the registry, install or upgrade istio-remote, replicate secrets, then exit')
    .option('--dir <DIR>', 'the cluster directory (default: `directory` from meshd.yaml)')
    .option('--config <FILE>', 'meshd.yaml (default: ~/.config/meshd/meshd.yaml, then /etc/meshd/meshd.yaml, else defaults)')
    .option('--json', 'print the report as JSON')
    .option('--allow-removals <N>', 'confirm up to N cluster removals the deletion budget (removals.maxPerPass) holds', parseCount)
    .option('--log-level <LEVEL>', 'log level on stderr', 'warn')
    .addHelpText('after', '\nExit status: 0 when every cluster converged, 1 when not (errors, unreachable clusters, invalid files).')
    .action(async (options: Record<string, unknown>) => io.setExitCode(await runReconcileCommand('apply', options, io)));
}
