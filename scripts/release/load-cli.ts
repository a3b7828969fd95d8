import { isSea, getAsset } from 'node:sea';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { runInThisContext } from 'node:vm';
import type { main } from '../../packages/meshd/src/cli/main.js';

/** What lib/meshd/cli.cjs exports: the CLI of packages/meshd/src/cli/main.ts. */
export interface CliModule {
  main: typeof main;
}

/**
 * Loads the CLI bundle. From the tarball, `cliPath` is a file and Node requires it. Inside the
 * single executable it is the asset `cli.cjs`, evaluated like a CommonJS module whose `__filename`
 * is `cliPath` (so the chart is found beside it, in /usr/lib/meshd). Its `require` resolves from
 * there: the bundle needs only built-in modules, and probes ws's optional native add-ons in try/catch.
 */
export function loadCli(cliPath: string): CliModule {
  const requireFromCli = createRequire(cliPath);
  if (!isSea()) return requireFromCli(cliPath) as CliModule;
  const wrapper = runInThisContext(`(function (exports, require, module, __filename, __dirname) {${getAsset('cli.cjs', 'utf8')}\n})`, { filename: cliPath }) as (...args: unknown[]) => void;
  const module = { exports: {} as Partial<CliModule> };
  wrapper(module.exports, requireFromCli, module, cliPath, resolve(cliPath, '..'));
  if (typeof module.exports.main !== 'function') throw new Error(`${cliPath}: the CLI bundle exports no main()`);
  return module.exports as CliModule;
}
