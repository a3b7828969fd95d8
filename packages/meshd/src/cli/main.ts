import { Command, CommanderError } from 'commander';
import * as apply from './commands/apply.js';
import * as plan from './commands/plan.js';
import * as run from './commands/run.js';
import * as status from './commands/status.js';
import * as validate from './commands/validate.js';
import * as verify from './commands/verify.js';
import { Redactor } from '../output/redact.js';
import { processIo, scrubbedIo, type CliIo, type CommandIo } from '../io.js';
import { MESHD_VERSION } from './version.js';

/** A command module: `commands/<name>.ts` exports `register(program, io)`. */
export interface CommandModule {
  register(program: Command, io: CommandIo): void;
}

/** Every command, in help order. Add a command by writing commands/<name>.ts and listing it here. */
const COMMANDS: readonly CommandModule[] = [validate, plan, apply, run, status, verify];

/**
 * The meshd CLI. `argv` is process.argv-shaped (node, script, args...). Returns the exit code and
 * never calls process.exit: bin/meshd.js sets process.exitCode from it. Output goes through `rawIo`,
 * scrubbed of credentials (every URL's user info and secret query values, and whatever kubeconfig
 * credentials the command read).
 */
export async function main(argv: string[], rawIo: CliIo = processIo()): Promise<number> {
  let exitCode = 0;
  const redactor = new Redactor();
  const io = scrubbedIo(rawIo, (text) => redactor.scrub(text));
  const commandIo: CommandIo = { ...io, redactor, setExitCode: (code) => void (exitCode = code) };
  const program = new Command('meshd')
    .description('meshd keeps an Istio 0.8 multicluster mesh converged with the cluster directory')
    .version(MESHD_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .showHelpAfterError('(run meshd --help for usage)');
  for (const command of COMMANDS) command.register(program, commandIo);
  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    io.stderr(`meshd: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return exitCode;
}
