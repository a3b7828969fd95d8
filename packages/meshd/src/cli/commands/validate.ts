import { resolve } from 'node:path';
import type { Command } from 'commander';
import { hasCode, loadConfig, readDirectorySnapshot, validateDirectory, validateWithoutCompiling } from '@meshd/core/offline';
import type { MeshdConfig } from '@meshd/core/offline';
import { addSnapshotCredentials } from '../../output/redact.js';
import type { CommandIo } from '../../io.js';
import { validationJson, validationLines } from './validate-output.js';

/** Options of `meshd validate`. */
interface ValidateOptions {
  dir?: string;
  config?: string;
  json?: boolean;
}

/** Registers `meshd validate [--dir DIR] [--config FILE] [--json]`. */
export function register(program: Command, io: CommandIo): void {
  program
    .command('validate')
    .description('check the cluster directory offline: every descriptor, the kubeconfigs they name, and the directory as a whole')
    .option('--dir <DIR>', 'the cluster directory (default: `directory` from meshd.yaml, ~/multicluster)')
    .option('--config <FILE>', 'meshd.yaml to take the directory (unless --dir) and registry.mode from')
    .option('--json', 'print the verdict as JSON instead of FILE:LINE:COL lines')
    .addHelpText('after', '\nExit status: 0 when the directory is valid (warnings allowed), 1 when it is not.')
    .action(async (options: ValidateOptions) => io.setExitCode(await runValidate(options, io)));
}

/** Validates the directory and prints the verdict; returns the exit code (0 valid, 1 invalid). */
export async function runValidate(options: ValidateOptions, io: CommandIo): Promise<number> {
  validateWithoutCompiling(); // a one-shot command: compiling zod's schemas costs more than it saves
  const config = await configFor(options, io);
  if (config === undefined) return 1;
  const dir = options.dir ?? config.directory;
  const snapshot = await readDirectorySnapshot(resolve(io.cwd, dir));
  addSnapshotCredentials(io.redactor, snapshot);
  const backends = await registeredBackends();
  const validation = validateDirectory(snapshot, { registryMode: config.registry.mode, credentialsMode: config.credentials.mode, backends });
  if (options.json === true) io.stdout(`${JSON.stringify(validationJson(dir, validation), null, 2)}\n`);
  else
    io.stdout(
      validationLines(dir, validation)
        .map((line) => `${line}\n`)
        .join(''),
    );
  return validation.valid ? 0 : 1;
}

/** The names `backend:` and `meshd.io/backend` may take: the registered backends and renderers (plugins.ts), as `plan` checks them. */
async function registeredBackends(): Promise<[string, ...string[]]> {
  // Loaded here, not at the top: `meshd validate --help` does not evaluate the plugins.
  const { BUILTIN_PLUGINS } = await import('../../plugins.js');
  const [first, ...rest] = BUILTIN_PLUGINS.filter((p) => p.kind !== 'addon').map((p) => p.name);
  if (first === undefined) throw new Error('meshd registers no backend (plugins.ts)');
  return [first, ...rest];
}

/** meshd.yaml as `plan` would load it (the registry mode decides the 1 MiB limit); undefined when invalid. */
async function configFor(options: ValidateOptions, io: CommandIo): Promise<MeshdConfig | undefined> {
  try {
    const { BUILTIN_PLUGINS } = await import('../../plugins.js');
    return await loadConfig(options.config, {}, { homeDir: io.homeDir, cwd: io.cwd, plugins: BUILTIN_PLUGINS });
  } catch (err) {
    if (!hasCode(err, 'MESHD_ERR_INVALID_CONFIG')) throw err;
    io.stderr(`${(err as Error).message}\n`);
    return undefined;
  }
}
