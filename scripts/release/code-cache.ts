import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WRAPPER } from './load-cli.js';

/** Descriptors `meshd validate` checks while the cache is made, so its code path is compiled too. */
const EXAMPLES = fileURLToPath(new URL('../../examples/multicluster', import.meta.url));

/** A live mesh the cache's training applies to: a cluster directory and its meshd.yaml (training-mesh.ts). */
export interface TrainingMesh {
  dir: string;
  config: string;
}

/**
 * Writes the V8 code cache of the CLI bundle to `cachePath`: a child process of this very node
 * compiles the bundle in loadCli's wrapper, evaluates it, runs `meshd --help` (which loads every
 * command's module: the bundle holds them as lazily initialised closures), `meshd validate` on the
 * examples and `meshd plan` on an empty directory (meshd.yaml parsed, the plugins set up, the state
 * read, the pass started and refused: no cluster, so no connection is ever made; a missing helm
 * binary, so none runs), output discarded, so the functions a one-shot `plan` or `apply` runs before
 * its first request are compiled too, and saves the cache. With `mesh` (a live mesh of test
 * clusters, nothing installed) it then runs `meshd apply` there twice, from empty and a no-op, and
 * `meshd plan`: the functions of a whole pass (connections, requests, the release, credentials,
 * registry, the report) are in the cache too, where V8 would compile them lazily at every run
 * (bench/RESULTS.md: a no-op's CPU −4 to −12 %). Plain node, no loader: V8 only accepts a cache made
 * with the same version and flags.
 */
export function writeCodeCache(cliPath: string, cachePath: string, mesh?: TrainingMesh): void {
  const program = `
const { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Script } = require('node:vm');
const [cli, out, head, tail, examples, meshDir, meshConfig] = process.argv.slice(1);
const script = new Script(head + readFileSync(cli, 'latin1') + tail, { filename: cli });
const module = { exports: {} };
script.runInThisContext()(module.exports, require, module, cli, require('node:path').dirname(cli));
if (typeof module.exports.main !== 'function') throw new Error('the CLI bundle exports no main()');
const io = { stdout() {}, stderr() {}, cwd: process.cwd(), homeDir: require('node:os').tmpdir(), env: {} };
(async () => {
  await module.exports.main(['node', 'meshd', '--help'], io);
  await module.exports.main(['node', 'meshd', 'validate', '--dir', examples], io);
  const scratch = mkdtempSync(join(tmpdir(), 'meshd-code-cache-'));
  try {
    const empty = join(scratch, 'multicluster');
    mkdirSync(empty);
    const config = join(scratch, 'meshd.yaml');
    writeFileSync(config, JSON.stringify({ directory: empty, stateDirectory: join(scratch, 'state'), helm: { binary: join(scratch, 'no-helm') } }));
    await module.exports.main(['node', 'meshd', 'plan', '--dir', empty, '--config', config], io);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (meshDir) {
    const args = ['--dir', meshDir, '--config', meshConfig];
    for (const command of ['apply', 'apply', 'plan']) {
      // A failed run still compiled what it ran: the build goes on and its log says so (the tests judge meshd, not this).
      const code = await module.exports.main(['node', 'meshd', command, ...args], io);
      if (code !== 0) console.error('[dist] code cache: meshd ' + command + ' on the training mesh exited ' + code);
    }
  }
  writeFileSync(out, script.createCachedData());
})().catch((err) => { console.error(err); process.exit(1); });
`;
  const trained = mesh ? [mesh.dir, mesh.config] : [];
  execFileSync(process.execPath, ['-e', program, cliPath, cachePath, WRAPPER.head, WRAPPER.tail, EXAMPLES, ...trained], { stdio: 'inherit' });
}
