// What a command of the bundled CLI evaluates: a readable (unminified) copy of `npm run dist`'s
// bundle whose esbuild module wrappers record each module they initialise, run like the tarball's
// bin/meshd. esbuild wraps every module reached through a dynamic import() (the command modules,
// packages/meshd/src/cli/main.ts) in a closure that runs on first use; the few modules main.ts
// imports statically are evaluated at load and counted from the metafile.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleMeshd } from '../../scripts/release/bundle.js';
import { runTimed } from './proc.js';

/** The counting bundle and what its metafile says. */
export interface CountingBundle {
  dir: string;
  cli: string;
  /** Source files in the bundle (the metafile's inputs). */
  total: number;
  /** Of those, wrapped in a lazily run closure. */
  wrapped: number;
}

const ESM_HELPER = 'var __esm = (fn, res, err) => function __init() {';
const CJS_HELPER = /var __commonJS = \(cb, (\w+)\) => function __require\(\) \{/;
const RECORDER = `var __meshdEvaluated = [];
process.on('exit', () => { if (process.env.MESHD_BENCH_MODULES) require('node:fs').writeFileSync(process.env.MESHD_BENCH_MODULES, JSON.stringify(__meshdEvaluated)); });
`;

/** Builds the counting bundle in a temporary directory (remove it with `rm(bundle.dir)`). Throws when esbuild's helpers changed shape. */
export async function countingBundle(): Promise<CountingBundle> {
  const dir = await mkdtemp(join(tmpdir(), 'meshd-modules-'));
  const cli = join(dir, 'cli.cjs');
  const metafile = join(dir, 'meta.json');
  await bundleMeshd({ launcher: join(dir, 'meshd'), cli, commit: 'bench', minify: false, metafile });
  const text = await readFile(cli, 'utf8');
  if (!text.includes(ESM_HELPER) || !CJS_HELPER.test(text))
    throw new Error(`${cli}: esbuild's __esm/__commonJS helpers changed; update bench/lib/bundle-modules.ts`);
  const patched = text
    .replace(ESM_HELPER, `${ESM_HELPER}\n  if (fn) __meshdEvaluated.push(__getOwnPropNames(fn)[0]);`)
    .replace(CJS_HELPER, (helper, mod: string) => `${helper}\n  if (!${mod}) __meshdEvaluated.push(__getOwnPropNames(cb)[0]);`);
  await writeFile(
    cli,
    patched.replace(/^"use strict";\n/, (strict) => `${strict}${RECORDER}`),
  );
  const inputs = Object.keys((JSON.parse(await readFile(metafile, 'utf8')) as { inputs: Record<string, unknown> }).inputs);
  const wrapped = (text.match(/ = __(esm|commonJS)\(\{\n/g) ?? []).length;
  return { dir, cli, total: inputs.length, wrapped };
}

/** What one command evaluated. */
export interface ModuleCount {
  /** Modules evaluated: the wrapped ones it initialised plus every unwrapped one. */
  evaluated: number;
  /** Of the wrapped ones, those of @kubernetes/client-node. */
  kubernetesClient: number;
  fastify: number;
}

/** Runs `meshd ARGS` from the counting bundle and counts what it evaluated. Throws on a non-zero exit unless `anyExit`. */
export async function countModules(bundle: CountingBundle, args: readonly string[], anyExit = false): Promise<ModuleCount> {
  const record = join(bundle.dir, 'evaluated.json');
  await rm(record, { force: true });
  const program = `require(${JSON.stringify(bundle.cli)}).main(['node', 'meshd', ...process.argv.slice(1)]).then((code) => { process.exitCode = code; });`;
  const run = await runTimed(process.execPath, ['-e', program, '--', ...args], { ...process.env, MESHD_BENCH_MODULES: record });
  if (run.code !== 0 && !anyExit) throw new Error(`meshd ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  const evaluated = JSON.parse(await readFile(record, 'utf8')) as string[];
  return {
    evaluated: evaluated.length + (bundle.total - bundle.wrapped),
    kubernetesClient: evaluated.filter((m) => m.includes('@kubernetes/client-node')).length,
    fastify: evaluated.filter((m) => /node_modules\/(@fastify\/|fastify\/)/.test(m)).length,
  };
}
