import { execFileSync } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRequire } from 'node:module';

/** What singleExecutable builds from. */
export interface SeaSources {
  launcher: string;
  cli: string;
  /** The CLI's V8 code cache (code-cache.ts). */
  cache: string;
  /** A scratch directory for the configuration and the blob. */
  work: string;
  out: string;
}

/** The fuse Node's single executables look for (Node's documentation, "Single executable applications"). */
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Builds /usr/bin/meshd: the node binary running this build with the launcher as its main script
 * (compiled ahead, `useCodeCache`), the CLI bundle and its code cache as the assets `cli.cjs` and
 * `cli.cache`, injected with postject.
 * Returns the Node version it embeds.
 */
export async function singleExecutable(src: SeaSources): Promise<string> {
  const config = join(src.work, 'sea-config.json');
  const blob = join(src.work, 'sea.blob');
  await writeFile(
    config,
    JSON.stringify({
      main: src.launcher,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      assets: { 'cli.cjs': src.cli, 'cli.cache': src.cache },
    }),
  );
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'ignore' });
  await copyFile(process.execPath, src.out);
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  // postject warns about ELF note sections it does not know; the injection itself is checked by running the result.
  execFileSync(process.execPath, [postject, src.out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL_FUSE], { stdio: 'ignore' });
  const printed = execFileSync(src.out, ['--version'], { encoding: 'utf8' });
  if (!/^\d+\.\d+\.\d+/.test(printed)) throw new Error(`${src.out} --version printed ${JSON.stringify(printed)}`);
  return process.versions.node;
}
