import { readDirectorySnapshot } from '@meshd/core/descriptor';
import { validateWithoutCompiling } from '@meshd/core/offline';
import type { Command } from 'commander';
import { addSnapshotCredentials } from '../../output/redact.js';
import { loadInvocationConfig } from '../../pass-runner.js';
import { allHold } from '../../verify/checks.js';
import { formatVerifyTable } from '../../verify/format.js';
import { verifyMesh } from '../../verify/run-verify.js';
import type { CommandIo } from '../../io.js';

/** Options of `meshd verify`. */
export interface VerifyOptions {
  dir?: string;
  config?: string;
  json?: boolean;
}

/** Registers `meshd verify [--dir DIR] [--config FILE] [--json]`. */
export function register(program: Command, io: CommandIo): void {
  program
    .command('verify')
    .description(
      'check the live mesh end to end (read-only): endpoints on every remote, the published credentials, istio.default roots, Pilot flags, CIDRs, istiod sync',
    )
    .option('--dir <DIR>', 'cluster directory (overrides meshd.yaml)')
    .option('--config <FILE>', 'meshd.yaml')
    .option('--json', 'print the results as JSON')
    .addHelpText(
      'after',
      '\nExit status: 0 when every check holds (skipped ones included), 1 when one fails.\nverify only reads: it never writes to any cluster.',
    )
    .action(async (options: VerifyOptions) => io.setExitCode(await runVerify(options, io)));
}

/** Runs every check and prints the table (or JSON); returns the exit code. */
export async function runVerify(options: VerifyOptions, io: CommandIo): Promise<number> {
  validateWithoutCompiling(); // a one-shot command: compiling zod's schemas costs more than it saves
  const config = await loadInvocationConfig({ dir: options.dir, config: options.config, io });
  const snapshot = await readDirectorySnapshot(config.directory);
  addSnapshotCredentials(io.redactor, snapshot);
  const results = await verifyMesh({ config, snapshot, redactor: io.redactor });
  const holds = allHold(results);
  if (options.json === true) io.stdout(`${JSON.stringify({ ok: holds, checks: results }, null, 2)}\n`);
  else io.stdout(formatVerifyTable(results));
  return holds ? 0 : 1;
}
