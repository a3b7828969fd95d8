// Could a V8 start-up snapshot of the CLI bundle (`node --build-snapshot`, or a single executable's
// `useSnapshot`, which runs the same snapshot builder) replace its code cache? For a tarball's
// lib/meshd/cli.cjs this builds three snapshots: the bundle evaluated only; the bundle after
// `meshd validate` on the examples ran at build time (validate's modules initialised); the bundle
// after `meshd --help` ran (every command's module initialised). It reports which ones build (and
// why not), then the CPU seconds (user + sys, bash's `times`) of `meshd validate` on the examples
// from each snapshot that built, from the tarball's bin/meshd (the code cache) and of `node -e 0`,
// alternated each round.
// Run: npx tsx bench/startup-snapshot.ts [--runs N] [TREE]   (TREE: a tarball's tree, default dist/stage/meshd-<version>)
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MESHD_VERSION } from 'meshd';
import { intFlag } from './lib/args.js';
import { median } from './lib/stats.js';
import { REPO } from './lib/workspace.js';

const EXAMPLES = join(REPO, 'examples/multicluster');

/** What runs at build time, before the snapshot is taken. */
const WARM_UPS = {
  evaluated: '',
  'validate ran': `await cli.exports.main(['node', 'meshd', 'validate', '--dir', ${JSON.stringify(EXAMPLES)}], io);`,
  'help ran': "await cli.exports.main(['node', 'meshd', '--help'], io);",
} as const;
type Variant = keyof typeof WARM_UPS;

/** The snapshot builder's entry: the bundle in loadCli's CommonJS wrapper, a warm-up, then the CLI as the deserialised main. */
async function entryText(cliPath: string, variant: Variant): Promise<string> {
  const bundle = await readFile(cliPath, 'utf8');
  return [
    "const v8 = require('node:v8');",
    'const cli = { exports: {} };',
    '(function (exports, require, module, __filename, __dirname) {',
    bundle,
    `})(cli.exports, require, cli, ${JSON.stringify(cliPath)}, ${JSON.stringify(dirname(cliPath))});`,
    "const io = { stdout() {}, stderr() {}, cwd: process.cwd(), homeDir: require('node:os').tmpdir(), env: {} };",
    `(async () => { ${WARM_UPS[variant]}`,
    '  v8.startupSnapshot.setDeserializeMainFunction(() => {',
    "    void cli.exports.main([process.argv[0], 'meshd', ...process.argv.slice(1)]).then((code) => { process.exitCode = code; });",
    '  });',
    '})();',
  ].join('\n');
}

/** Builds `blob` from `entry`; the reason in the builder's own words when it fails. */
function buildSnapshot(entry: string, blob: string): { built: boolean; detail: string } {
  const run = spawnSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', entry], { encoding: 'utf8' });
  if (run.status === 0) return { built: true, detail: 'built' };
  const lines = `${run.stderr}`.split('\n').map((line) => line.trim());
  const reason = lines.find((line) => /Error|Check failed|not serialized/.test(line)) ?? `exit ${run.status ?? run.signal}`;
  return { built: false, detail: reason };
}

/** CPU seconds (user + sys) of a command, output discarded. */
function cpuSeconds(args: readonly string[]): number {
  const run = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; times', 'x', ...args], { encoding: 'utf8' });
  const line = run.stdout.trim().split('\n')[1] ?? '';
  const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return (secs[0] ?? Number.NaN) + (secs[1] ?? Number.NaN);
}

/** Builds every variant's snapshot into `work`; the command line of `meshd validate` from each that built. */
async function buildAll(cliPath: string, work: string): Promise<Map<string, string[]>> {
  const commands = new Map<string, string[]>();
  for (const variant of Object.keys(WARM_UPS) as Variant[]) {
    const entry = join(work, `${variant.replace(' ', '-')}.cjs`);
    const blob = join(work, `${variant.replace(' ', '-')}.blob`);
    await writeFile(entry, await entryText(cliPath, variant));
    const result = buildSnapshot(entry, blob);
    console.log(`snapshot, bundle ${variant}: ${result.detail}`);
    if (result.built) commands.set(`snapshot (${variant})`, [process.execPath, '--snapshot-blob', blob, 'validate', '--dir', EXAMPLES]);
  }
  return commands;
}

const runs = intFlag(process.argv, '--runs', 8);
const tree = process.argv.slice(2).find((arg, i, all) => !arg.startsWith('--') && all[i - 1] !== '--runs') ?? join(REPO, `dist/stage/meshd-${MESHD_VERSION}`);
const work = await mkdtemp(join(tmpdir(), 'meshd-snapshot-'));
try {
  console.log(`node ${process.versions.node}; load ${loadavg()[0]?.toFixed(2)}`);
  const commands = await buildAll(join(tree, 'lib/meshd/cli.cjs'), work);
  commands.set('tarball bin/meshd (code cache)', [process.execPath, join(tree, 'bin/meshd'), 'validate', '--dir', EXAMPLES]);
  commands.set('node -e 0', [process.execPath, '-e', '0']);
  const cpu = new Map<string, number[]>([...commands.keys()].map((name) => [name, []]));
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? [...commands] : [...commands].reverse();
    for (const [name, args] of order) cpu.get(name)?.push(cpuSeconds(args));
  }
  for (const [name, values] of cpu) console.log(`${name}: median CPU ${median(values).toFixed(3)} s of ${values.map((v) => v.toFixed(2)).join(' ')}`);
  console.log(`load ${loadavg()[0]?.toFixed(2)} at the end`);
} finally {
  await rm(work, { recursive: true, force: true });
}
