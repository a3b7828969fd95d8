// EXPERIMENT: what meshd's connection reuse (core/src/cluster/agent.ts, request-limit.ts) saves
// against client-node's stock connections (stock-client.ts: a new agent and TLS handshake per
// request). On a simulated mesh of N clusters, alternates a pass with each (each in its own `tsx`
// process, from empty and again as a no-op), R rounds, and prints the ratio meshd/stock.
// Both variants pay the same tsx loader overhead, so compare them with each other, not with
// bench:scale's figures for the compiled CLI.
// Run: npx tsx bench/scale/agent-experiment.ts [--clusters N] [--rounds R]
import { join } from 'node:path';
import { binaryPaths } from '@meshd/testenv';
import { intFlag } from '../lib/args.js';
import { loadAverage, runTimed } from '../lib/proc.js';
import { median, round } from '../lib/stats.js';
import { REPO, createWorkspace, meshdConfigText } from '../lib/workspace.js';
import { APP_NAMESPACES, simTarget } from './targets.js';

interface ChildFigures {
  converged: boolean;
  writes: number;
  passSeconds: number;
  rssMb: number;
  cpuSeconds: number;
}

type Variant = 'stock-client' | 'meshd';

async function pass(variant: Variant, dir: string, config: string): Promise<ChildFigures> {
  const tsx = join(REPO, 'node_modules/.bin/tsx');
  const run = await runTimed(tsx, [join(REPO, 'bench/scale/pass-child.ts'), variant, dir, config]);
  if (run.code !== 0) throw new Error(`${variant} pass failed (${run.code}): ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as ChildFigures;
}

async function round1(variant: Variant, clusters: number): Promise<{ empty: ChildFigures; noop: ChildFigures }> {
  const target = await simTarget(clusters);
  const ws = await createWorkspace(target.clusters, meshdConfigText({ helm: binaryPaths().helm, secretNamespaces: ['default', ...APP_NAMESPACES] }));
  try {
    const empty = await pass(variant, ws.dir, ws.configPath);
    const noop = await pass(variant, ws.dir, ws.configPath);
    return { empty, noop };
  } finally {
    await ws.cleanup();
    await target.stop();
  }
}

const clusters = intFlag(process.argv, '--clusters', 100);
const rounds = intFlag(process.argv, '--rounds', 3);
const results: Record<Variant, { empty: ChildFigures; noop: ChildFigures }[]> = { 'stock-client': [], meshd: [] };
for (let i = 0; i < rounds; i++) {
  for (const variant of (i % 2 === 0 ? ['stock-client', 'meshd'] : ['meshd', 'stock-client']) as Variant[]) {
    const r = await round1(variant, clusters);
    results[variant].push(r);
    console.log(
      `round ${i + 1} ${variant.padEnd(12)} from empty ${r.empty.passSeconds.toFixed(2)} s cpu ${r.empty.cpuSeconds.toFixed(2)} s rss ${r.empty.rssMb.toFixed(0)} MB; no-op ${r.noop.passSeconds.toFixed(2)} s cpu ${r.noop.cpuSeconds.toFixed(2)} s; load ${await loadAverage()}`,
    );
  }
}
type Pick = (r: { empty: ChildFigures; noop: ChildFigures }) => number;
const m = (variant: Variant, pick: Pick): number => round(median(results[variant].map(pick)), 2);
for (const variant of ['stock-client', 'meshd'] as Variant[]) {
  console.log(
    `${clusters} clusters, median of ${rounds}: ${variant.padEnd(12)} from empty ${m(variant, (r) => r.empty.passSeconds)} s, cpu ${m(variant, (r) => r.empty.cpuSeconds)} s, rss ${m(variant, (r) => r.empty.rssMb)} MB; no-op ${m(variant, (r) => r.noop.passSeconds)} s, cpu ${m(variant, (r) => r.noop.cpuSeconds)} s, rss ${m(variant, (r) => r.noop.rssMb)} MB`,
  );
}
const ratio = (pick: Pick): number => round(m('meshd', pick) / m('stock-client', pick), 2);
console.log(
  `ratio meshd/stock-client: from empty ${ratio((r) => r.empty.passSeconds)} (cpu ${ratio((r) => r.empty.cpuSeconds)}, rss ${ratio((r) => r.empty.rssMb)}); no-op ${ratio((r) => r.noop.passSeconds)} (cpu ${ratio((r) => r.noop.cpuSeconds)})`,
);
