import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WRAPPER } from './load-cli.js';

/** Descriptors `meshd validate` checks while the cache is made, so its code path is compiled too. */
const EXAMPLES = fileURLToPath(new URL('../../examples/multicluster', import.meta.url));

/**
 * Writes the V8 code cache of the CLI bundle to `cachePath`: a child process of this very node
 * compiles the bundle in loadCli's wrapper, evaluates it, runs `meshd --help` (which loads every
 * command's module: the bundle holds them as lazily initialised closures) and `meshd validate` on
 * the examples, output discarded, so the functions start-up runs are compiled too, and saves the
 * cache. Plain node, no loader: V8 only accepts a cache made with the same version and flags.
 */
export function writeCodeCache(cliPath: string, cachePath: string): void {
  const program = `
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
const [cli, out, head, tail, examples] = process.argv.slice(1);
const script = new Script(head + readFileSync(cli, 'utf8') + tail, { filename: cli });
const module = { exports: {} };
script.runInThisContext()(module.exports, require, module, cli, require('node:path').dirname(cli));
if (typeof module.exports.main !== 'function') throw new Error('the CLI bundle exports no main()');
const io = { stdout() {}, stderr() {}, cwd: process.cwd(), homeDir: require('node:os').tmpdir(), env: {} };
(async () => {
  await module.exports.main(['node', 'meshd', '--help'], io);
  await module.exports.main(['node', 'meshd', 'validate', '--dir', examples], io);
  writeFileSync(out, script.createCachedData());
})().catch((err) => { console.error(err); process.exit(1); });
`;
  execFileSync(process.execPath, ['-e', program, cliPath, cachePath, WRAPPER.head, WRAPPER.tail, EXAMPLES], { stdio: 'inherit' });
}
