// bench:startup — what a one-shot `meshd` costs to start, side by side in one run: `node -e 0` (the
// floor), the unbundled CLI (`node packages/meshd/bin/meshd.js`, today's compiled workspace), the
// tarball's bundle (`node bin/meshd`) and the .deb's single executable (`usr/bin/meshd`), for
// `--version`, `validate` on examples/multicluster and a no-op `apply` on 3 test clusters.
// Run: npm run bench:startup -- [--runs N] [--no-clusters] [--out FILE] [--compare DIR]
// --compare DIR adds another build's unpacked tarball (DIR/bin/meshd, e.g. main's, kept aside before
// rebuilding) as the variant `bundle (compare)`, for a before/after in the same rounds.
// Every round runs every command once, in an order rotated each round; the table gives medians.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { binaryPaths, startClusters } from '@meshd/testenv';
import type { TestEnv } from '@meshd/testenv';
import { MESHD_VERSION } from 'meshd';
import { flag, intFlag } from './lib/args.js';
import { countingBundle, countModules, type ModuleCount } from './lib/bundle-modules.js';
import { machineInfo } from './lib/machine.js';
import { loadAverage, MESHD_BIN, requireBuiltMeshd, runTimed } from './lib/proc.js';
import { median, round } from './lib/stats.js';
import { createWorkspace, meshdConfigText, REPO } from './lib/workspace.js';
import type { Workspace } from './lib/workspace.js';
import { clusterKubeconfigs } from './lib/clusters.js';

/** One way of starting meshd: the command line before meshd's own arguments. */
interface Variant {
  name: string;
  command: string;
  prefix: readonly string[];
}

const TARBALL_BIN = join(REPO, `dist/stage/meshd-${MESHD_VERSION}/bin/meshd`);
const SEA_BIN = join(REPO, `dist/stage/meshd_${MESHD_VERSION}_amd64/usr/bin/meshd`);
const COMPARE = flag(process.argv, '--compare');
const VARIANTS: readonly Variant[] = [
  { name: 'unbundled', command: process.execPath, prefix: [MESHD_BIN] },
  ...(COMPARE === undefined ? [] : [{ name: 'bundle (compare)', command: process.execPath, prefix: [join(COMPARE, 'bin/meshd')] }]),
  { name: 'bundle (tarball)', command: process.execPath, prefix: [TARBALL_BIN] },
  { name: 'single executable (.deb)', command: SEA_BIN, prefix: [] },
];

/** One row: a command and what it runs (relative to the floor, `node -e 0`). */
interface Row {
  case: string;
  variant: string;
  command: string;
  args: readonly string[];
  seconds: number[];
}

function rows(ws: Workspace | undefined): Row[] {
  const floor: Row = { case: 'floor', variant: 'node -e 0', command: process.execPath, args: ['-e', '0'], seconds: [] };
  const cases: [string, string[]][] = [
    ['--version', ['--version']],
    ['validate examples', ['validate', '--dir', join(REPO, 'examples/multicluster')]],
  ];
  if (ws !== undefined) cases.push(['apply no-op, 3 clusters', ['apply', '--dir', ws.dir, '--config', ws.configPath]]);
  return [
    floor,
    ...cases.flatMap(([name, args]) => VARIANTS.map((v) => ({ case: name, variant: v.name, command: v.command, args: [...v.prefix, ...args], seconds: [] }))),
  ];
}

async function clusters(): Promise<{ env: TestEnv; ws: Workspace }> {
  const env = await startClusters({ count: 3 });
  const members = await clusterKubeconfigs(env);
  const ws = await createWorkspace(members, meshdConfigText({ helm: binaryPaths().helm, secretNamespaces: ['default'] }));
  const first = await runTimed(process.execPath, [MESHD_BIN, 'apply', '--dir', ws.dir, '--config', ws.configPath]);
  if (first.code !== 0) throw new Error(`the first apply failed: ${first.stderr}`);
  return { env, ws };
}

async function measure(table: Row[], runs: number): Promise<void> {
  for (let round = 0; round < runs; round++) {
    const order = table.map((_, i) => table[(i + round) % table.length]!);
    for (const row of order) {
      const run = await runTimed(row.command, row.args);
      if (run.code !== 0) throw new Error(`${row.variant} ${row.args.join(' ')} exited ${run.code}: ${run.stderr}`);
      row.seconds.push(run.wallSeconds);
    }
  }
}

function markdown(table: readonly Row[]): string {
  const floor = median(table[0]?.seconds ?? []);
  const lines = ['| case | meshd | median s | p90 s | × `node -e 0` |', '| --- | --- | ---: | ---: | ---: |'];
  for (const row of table) {
    const sorted = [...row.seconds].sort((a, b) => a - b);
    const p90 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))] ?? Number.NaN;
    lines.push(`| ${row.case} | ${row.variant} | ${round(median(row.seconds))} | ${round(p90)} | ${round(median(row.seconds) / floor, 2)} |`);
  }
  return lines.join('\n');
}

/** What each case evaluates in the bundle (bench/lib/bundle-modules.ts), once each. */
async function moduleCounts(table: readonly Row[]): Promise<{ case: string; count: ModuleCount; total: number }[]> {
  const bundle = await countingBundle();
  try {
    const cases = table.filter((r) => r.variant === 'bundle (tarball)');
    const counts = [];
    for (const row of cases) counts.push({ case: row.case, count: await countModules(bundle, row.args.slice(1)), total: bundle.total });
    return counts;
  } finally {
    await rm(bundle.dir, { recursive: true, force: true });
  }
}

function modulesMarkdown(counts: readonly { case: string; count: ModuleCount; total: number }[]): string {
  const lines = ['| case | modules evaluated | of @kubernetes/client-node | of fastify | in the bundle |', '| --- | ---: | ---: | ---: | ---: |'];
  for (const c of counts) lines.push(`| ${c.case} | ${c.count.evaluated} | ${c.count.kubernetesClient} | ${c.count.fastify} | ${c.total} |`);
  return lines.join('\n');
}

requireBuiltMeshd();
for (const bin of [TARBALL_BIN, SEA_BIN, ...(COMPARE === undefined ? [] : [join(COMPARE, 'bin/meshd')])])
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run dist\` first`);
const runs = intFlag(process.argv, '--runs', 20);
const out = flag(process.argv, '--out') ?? join(REPO, 'bench/results/startup.json');
const mesh = process.argv.includes('--no-clusters') ? undefined : await clusters();
try {
  const machine = machineInfo();
  const table = rows(mesh?.ws);
  await measure(table, runs);
  const loadAtEnd = await loadAverage();
  console.log(
    `\n${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}; load ${machine.loadAtStart.join(' ')} at start, ${loadAtEnd} at end; ${runs} rounds\n`,
  );
  console.log(markdown(table));
  const modules = await moduleCounts(table);
  console.log(`\n${modulesMarkdown(modules)}`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ machine, loadAtEnd, runs, rows: table.map((r) => ({ case: r.case, variant: r.variant, args: r.args, seconds: r.seconds.map((s) => round(s, 4)) })), modules }, null, 2)}\n`,
  );
} finally {
  await mesh?.ws.cleanup();
  await mesh?.env.stop();
}
