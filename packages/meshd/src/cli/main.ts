import { Command, CommanderError } from 'commander';
import { config as zodConfig } from 'zod';
import { Redactor } from '../output/redact.js';
import { processIo, scrubbedIo, type CliIo, type CommandIo } from '../io.js';
import { MESHD_VERSION } from './version.js';

/** A command module: `commands/<name>.ts` exports `register(program, io)`. */
export interface CommandModule {
  register(program: Command, io: CommandIo): void;
}

/**
 * Every command, in help order, and how to load its module. Add a command by writing
 * commands/<name>.ts and listing it here. Modules are imported only when needed (see
 * commandsToLoad): `meshd validate` never loads the Kubernetes client, `meshd status` neither the
 * client nor the validator.
 */
const COMMANDS: readonly CommandEntry[] = [
  { name: 'validate', load: () => import('./commands/validate.js') },
  { name: 'plan', load: () => import('./commands/plan.js') },
  { name: 'apply', load: () => import('./commands/apply.js') },
  { name: 'run', load: () => import('./commands/run.js') },
  { name: 'status', load: () => import('./commands/status.js') },
  { name: 'verify', load: () => import('./commands/verify.js') },
];

/** A command's name and the import of its module. */
export interface CommandEntry {
  name: string;
  load(): Promise<CommandModule>;
}

/**
 * The commands whose modules main() loads for `args` (argv without node and script): none for
 * `--version`, the one command the first argument names, or every command when it names none
 * (`--help`, `help`, an unknown command, no arguments), so help lists them all and commander
 * reports unknown ones. Pure.
 */
export function commandsToLoad<T extends { name: string }>(commands: readonly T[], args: readonly string[]): readonly T[] {
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) return [];
  const named = commands.find((c) => c.name === args[0]);
  return named ? [named] : commands;
}

/**
 * The meshd CLI. `argv` is process.argv-shaped (node, script, args...). Returns the exit code and
 * never calls process.exit: bin/meshd.js sets process.exitCode from it. Output goes through `rawIo`,
 * scrubbed of credentials (every URL's user info and secret query values, and whatever kubeconfig
 * credentials the command read).
 */
export async function main(argv: string[], rawIo: CliIo = processIo()): Promise<number> {
  // zod builds each object schema's parser with `new Function` on its first parse. A one-shot
  // command parses each schema about once, where generating that code costs more than it saves (a
  // one-shot `apply` starts ~15 ms sooner without it, bench/RESULTS.md), and what meshd reads from
  // files and clusters is then never turned into code. Results are the same either way (zod's contract).
  zodConfig({ jitless: true });
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
  const modules = await Promise.all(commandsToLoad(COMMANDS, argv.slice(2)).map((c) => c.load()));
  for (const command of modules) command.register(program, commandIo);
  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    io.stderr(`meshd: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return exitCode;
}
