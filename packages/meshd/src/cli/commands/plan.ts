import type { Command } from 'commander';
import type { CommandIo } from '../../io.js';
import { runReconcileCommand } from './reconcile-command.js';

/** Registers `meshd plan [--dir DIR] [--config FILE] [--detailed-exitcode] [--json]`. */
export function register(program: Command, io: CommandIo): void {
  program
    .command('plan')
    .description('show what `meshd apply` would do on every cluster, without changing anything')
    .option('--dir <DIR>', 'the cluster directory (default: `directory` from meshd.yaml)')
    .option('--config <FILE>', 'meshd.yaml (default: ~/.config/meshd/meshd.yaml, then /etc/meshd/meshd.yaml, else defaults)')
    .option('--detailed-exitcode', 'exit 2 when there are changes, 0 when there are none')
    .option('--json', 'print the plan as JSON')
    .option('--log-level <LEVEL>', 'log level on stderr', 'warn')
    .addHelpText('after', '\nExit status: 0 no changes (or changes without --detailed-exitcode), 2 changes with --detailed-exitcode, 1 error.')
    .action(async (options: Record<string, unknown>) => io.setExitCode(await runReconcileCommand('plan', options, io)));
}
