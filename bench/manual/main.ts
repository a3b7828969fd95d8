// bench:manual — meshd against the Istio 0.8 guide's procedure scripted in bash (guide.sh), on the
// same 3 real test clusters (control plane + 2 remotes), alternating tools, N cycles each.
// Run: npm run bench:manual -- [--runs N] [--out FILE] [--cli unbundled|bundle|sea]
// Reports the median wall seconds per case, the ratio meshd/manual and the write requests each made;
// then, with `meshd run` on the mesh, how fast the daemon follows N Pilot moves by itself and what
// its no-op (the timer resync) costs.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { binaryPaths, startClusters } from '@meshd/testenv';
import type { TestEnv } from '@meshd/testenv';
import { flag, intFlag } from '../lib/args.js';
import { machineInfo } from '../lib/machine.js';
import { loadAverage, requireBuiltMeshd } from '../lib/proc.js';
import { median, round } from '../lib/stats.js';
import { createWorkspace, meshdConfigText } from '../lib/workspace.js';
import { CASES, cycle } from './cycle.js';
import { daemonFollowsPilot } from './daemon.js';
import type { DaemonMove } from './daemon.js';
import { daemonResyncs } from './resync.js';
import type { ResyncFigures } from './resync.js';
import type { CaseFigures, CaseName } from './cycle.js';
import { leftovers, resetMesh } from './reset.js';
import { meshdCliOf, meshdHasSecretsPlugin } from './tools.js';
import type { MeshSetup, ToolName } from './tools.js';
import { clusterKubeconfigs, createRemoteNamespaces } from '../lib/clusters.js';

const APP_NAMESPACES = ['app-1', 'app-2'];
const TOOLS: readonly ToolName[] = ['meshd', 'manual', 'meshd-inprocess'];

type Samples = Record<ToolName, Record<CaseName, CaseFigures[]>>;

async function prepare(env: TestEnv, secrets: boolean): Promise<MeshSetup> {
  await createRemoteNamespaces(env, APP_NAMESPACES);
  const clusters = await clusterKubeconfigs(env);
  const bins = binaryPaths();
  const secretNamespaces = secrets ? ['default', ...APP_NAMESPACES] : [];
  const ws = await createWorkspace(
    clusters,
    meshdConfigText({ helm: bins.helm, secretNamespaces: secretNamespaces.length > 0 ? secretNamespaces : ['default'] }),
  );
  return {
    ws,
    controlPlane: clusters[0]?.name ?? 'cp',
    remotes: clusters.slice(1).map((c) => c.name),
    kubectl: bins.kubectl,
    helm: bins.helm,
    secretNamespaces,
    meshdCli: meshdCliOf(flag(process.argv, '--cli')),
  };
}

function caseSummary(samples: Samples, name: CaseName): Record<string, number> {
  const wall = (tool: ToolName): number => median(samples[tool][name].map((s) => s.wallSeconds));
  const writes = (tool: ToolName): number => median(samples[tool][name].map((s) => s.writes));
  return {
    meshd_s: round(wall('meshd')),
    manual_s: round(wall('manual')),
    ratio: round(wall('meshd') / wall('manual')),
    meshd_writes: writes('meshd'),
    manual_writes: writes('manual'),
    meshd_inprocess_s: round(wall('meshd-inprocess')),
    meshd_inprocess_ratio: round(wall('meshd-inprocess') / wall('manual')),
  };
}

function withDaemon(cases: Record<CaseName, Record<string, number>>, moves: readonly DaemonMove[], resyncs: ResyncFigures): void {
  const resync = median(resyncs.seconds);
  Object.assign(cases.noop, {
    meshd_daemon_resync_s: round(resync),
    meshd_daemon_resync_ratio: round(resync / (cases.noop.manual_s ?? Number.NaN)),
    meshd_daemon_resync_cpu_s: round(resyncs.cpuPerResync),
    meshd_daemon_resync_writes: resyncs.writes,
  });
  const seconds = median(moves.map((m) => m.seconds));
  Object.assign(cases.pilotMove, {
    meshd_daemon_s: round(seconds),
    meshd_daemon_ratio: round(seconds / (cases.pilotMove.manual_s ?? Number.NaN)),
    meshd_daemon_writes: median(moves.map((m) => m.writes)),
  });
}

function printTable(cases: Record<CaseName, Record<string, number>>): void {
  console.log('\ncase        meshd (CLI)  meshd (in-process)  manual    ratio  writes meshd/manual');
  for (const name of CASES) {
    const c = cases[name];
    console.log(
      `${name.padEnd(11)} ${String(c.meshd_s).padStart(9)} s ${String(c.meshd_inprocess_s).padStart(16)} s ${String(c.manual_s).padStart(7)} s ${String(c.ratio).padStart(7)}  ${c.meshd_writes}/${c.manual_writes}`,
    );
  }
}

const runs = intFlag(process.argv, '--runs', 10);
const out = flag(process.argv, '--out');
requireBuiltMeshd();
const machine = machineInfo();
const secrets = await meshdHasSecretsPlugin();
console.log(
  `bench:manual: ${runs} cycles per tool, CLI ${meshdCliOf(flag(process.argv, '--cli')).join(' ')}, secrets step ${secrets ? 'on (meshd registers the secrets plugin)' : 'off (meshd has no secrets plugin registered: both skip it)'}; load ${machine.loadAtStart.join(' ')}`,
);
const env = await startClusters({ count: 3 });
const setup = await prepare(env, secrets);
const samples = Object.fromEntries(TOOLS.map((t) => [t, { fromEmpty: [], noop: [], pilotMove: [] }])) as unknown as Samples;
const loads: number[] = [];

async function oneCycle(i: number, tool: ToolName): Promise<void> {
  const figures = await cycle(env, tool, setup);
  for (const name of CASES) samples[tool][name].push(figures[name]);
  loads.push(await loadAverage());
  console.log(
    `cycle ${i + 1}/${runs} ${tool.padEnd(15)} ${CASES.map((n) => `${n} ${figures[n].wallSeconds.toFixed(2)} s (${figures[n].writes} writes)`).join(', ')}; load ${loads.at(-1)}`,
  );
}

try {
  for (let i = 0; i < runs; i++) {
    for (const tool of TOOLS.map((_, k) => TOOLS[(i + k) % TOOLS.length] as ToolName)) await oneCycle(i, tool);
  }
  const moves = await daemonFollowsPilot(env, setup, runs);
  console.log(`meshd run followed ${moves.length} Pilot moves: ${moves.map((m) => `${m.seconds.toFixed(2)} s (${m.writes} writes)`).join(', ')}`);
  const resyncs = await daemonResyncs(env, setup, runs);
  console.log(
    `meshd run resyncs (no-op passes): ${resyncs.seconds.map((x) => x.toFixed(2)).join(', ')} s; ${resyncs.cpuPerResync.toFixed(2)} CPU s each; ${resyncs.writes} writes`,
  );
  await resetMesh(env, setup.secretNamespaces);
  const left = await leftovers(env);
  if (left.length > 0) console.log(`warning: the reset left meshd objects behind: ${left.join('; ')}`);
  const cases = Object.fromEntries(CASES.map((n) => [n, caseSummary(samples, n)])) as Record<CaseName, Record<string, number>>;
  withDaemon(cases, moves, resyncs);
  printTable(cases);
  console.log(
    `noop as the daemon's resync pass: ${cases.noop.meshd_daemon_resync_s} s, ratio ${cases.noop.meshd_daemon_resync_ratio}, ${cases.noop.meshd_daemon_resync_writes} writes`,
  );
  console.log(
    `pilotMove with the daemon running (meshd run, watch-driven): ${cases.pilotMove.meshd_daemon_s} s, ratio ${cases.pilotMove.meshd_daemon_ratio}, ${cases.pilotMove.meshd_daemon_writes} writes`,
  );
  const report = {
    runs,
    cli: flag(process.argv, '--cli') ?? 'unbundled',
    cases,
    secrets,
    machine,
    load: { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) },
    samples,
    daemonMoves: moves,
    daemonResyncs: resyncs,
  };
  if (out) {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${out}`);
  }
} finally {
  await setup.ws.cleanup();
  await env.stop();
}
