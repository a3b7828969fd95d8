import { execFileSync } from 'node:child_process';
import { WRAPPER } from './load-cli.js';

/**
 * Writes the V8 code cache of the CLI bundle to `cachePath`: a child process of this very node
 * compiles the bundle in loadCli's wrapper, evaluates it (so the functions start-up runs are compiled
 * too) and saves the cache. Plain node, no loader: V8 only accepts a cache made with the same
 * version and flags.
 */
export function writeCodeCache(cliPath: string, cachePath: string): void {
  const program = `
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
const [cli, out, head, tail] = process.argv.slice(1);
const script = new Script(head + readFileSync(cli, 'utf8') + tail, { filename: cli });
const module = { exports: {} };
script.runInThisContext()(module.exports, require, module, cli, require('node:path').dirname(cli));
if (typeof module.exports.main !== 'function') throw new Error('the CLI bundle exports no main()');
writeFileSync(out, script.createCachedData());
`;
  execFileSync(process.execPath, ['-e', program, cliPath, cachePath, WRAPPER.head, WRAPPER.tail], { stdio: 'inherit' });
}
