import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { Script } from 'node:vm';
import type { main } from '../../packages/meshd/src/cli/main.js';

/** What lib/meshd/cli.cjs exports: the CLI of packages/meshd/src/cli/main.ts. */
export interface CliModule {
  main: typeof main;
}

/** The CommonJS wrapper the bundle is compiled in; the code cache is only valid for this exact text. */
export const WRAPPER = { head: '(function (exports, require, module, __filename, __dirname) {', tail: '\n})' } as const;

/**
 * The bundle and its V8 code cache: files beside `cliPath` (the tarball) or assets of the single
 * executable. The bundle is ASCII (esbuild escapes the rest; test/dist.int.test.ts checks the shipped
 * one), so it is decoded as Latin-1, which gives the same string: a copy into a one-byte string, where
 * UTF-8 decoding first validates every byte (3 MB: ~8 → ~5 ms here).
 */
function sources(cliPath: string): { code: string; cache: Buffer | undefined } {
  if (isSea()) return { code: Buffer.from(getAsset('cli.cjs')).toString('latin1'), cache: Buffer.from(getAsset('cli.cache')) };
  const cachePath = join(dirname(cliPath), 'cli.cache');
  let cache: Buffer | undefined;
  try {
    cache = readFileSync(cachePath);
  } catch {
    cache = undefined;
  }
  return { code: readFileSync(cliPath, 'latin1'), cache };
}

/**
 * Loads the CLI bundle like a CommonJS module whose `__filename` is `cliPath` (so the chart is found
 * beside it, in lib/meshd; inside the single executable the bundle is the asset `cli.cjs` and
 * /usr/lib/meshd/cli.cjs a name only). V8 compiles it from the code cache `npm run dist` made with
 * the build machine's node (3–4× faster than compiling 4 MB of JavaScript); another node version
 * rejects the cache and compiles the source. `require` resolves from `cliPath`: the bundle needs
 * only built-in modules and probes ws's optional native add-ons in try/catch.
 */
export function loadCli(cliPath: string): CliModule {
  const { code, cache } = sources(cliPath);
  const script = new Script(`${WRAPPER.head}${code}${WRAPPER.tail}`, { filename: cliPath, ...(cache ? { cachedData: cache } : {}) });
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} as Partial<CliModule> };
  wrapper(module.exports, createRequire(cliPath), module, cliPath, dirname(cliPath));
  if (typeof module.exports.main !== 'function') throw new Error(`${cliPath}: the CLI bundle exports no main()`);
  return module.exports as CliModule;
}
