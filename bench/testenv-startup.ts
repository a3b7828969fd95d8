// How long 3 test clusters take to start from a warm binary cache (target: under 30 s).
// Run: npx tsx bench/testenv-startup.ts [--clusters N] [--runs R]
import { startClusters } from '@meshd/testenv';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} wants a positive integer`);
  return value;
}

const clusters = flag('--clusters', 3);
const runs = flag('--runs', 1);
const seconds: number[] = [];
for (let run = 1; run <= runs; run++) {
  const started = performance.now();
  const env = await startClusters({ count: clusters });
  const ready = (performance.now() - started) / 1000;
  const stopStarted = performance.now();
  await env.stop();
  const stopped = (performance.now() - stopStarted) / 1000;
  seconds.push(ready);
  console.log(`run ${run}: ${clusters} clusters ready in ${ready.toFixed(1)} s (stand-in Istio seeded), stopped in ${stopped.toFixed(1)} s`);
}
const sorted = [...seconds].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
console.log(`testenv-startup: ${clusters} clusters, median ${median.toFixed(1)} s over ${runs} run(s) (target < 30 s)`);
