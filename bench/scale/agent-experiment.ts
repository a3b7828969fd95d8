// EXPERIMENT: what one keep-alive HTTPS agent per cluster would save meshd (see shared-agent.ts).
// On a simulated mesh of N clusters, alternates a pass with the stock connection and a pass with
// the shared agent (each in its own `tsx` process, from empty and again as a no-op), R rounds.
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

type Variant = 'stock' | 'shared-agent';

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
const results: Record<Variant, { empty: ChildFigures; noop: ChildFigures }[]> = { stock: [], 'shared-agent': [] };
for (let i = 0; i < rounds; i++) {
  for (const variant of (i % 2 === 0 ? ['stock', 'shared-agent'] : ['shared-agent', 'stock']) as Variant[]) {
    const r = await round1(variant, clusters);
    results[variant].push(r);
    console.log(`round ${i + 1} ${variant.padEnd(12)} from empty ${r.empty.passSeconds.toFixed(2)} s cpu ${r.empty.cpuSeconds.toFixed(2)} s rss ${r.empty.rssMb.toFixed(0)} MB; no-op ${r.noop.passSeconds.toFixed(2)} s cpu ${r.noop.cpuSeconds.toFixed(2)} s; load ${await loadAverage()}`);
  }
}
for (const variant of ['stock', 'shared-agent'] as Variant[]) {
  const m = (pick: (r: { empty: ChildFigures; noop: ChildFigures }) => number): number => round(median(results[variant].map(pick)), 2);
  console.log(`${clusters} clusters, median of ${rounds}: ${variant.padEnd(12)} from empty ${m((r) => r.empty.passSeconds)} s, cpu ${m((r) => r.empty.cpuSeconds)} s, rss ${m((r) => r.empty.rssMb)} MB; no-op ${m((r) => r.noop.passSeconds)} s, cpu ${m((r) => r.noop.cpuSeconds)} s, rss ${m((r) => r.noop.rssMb)} MB`);
}
