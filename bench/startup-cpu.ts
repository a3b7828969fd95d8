// CPU seconds (user + sys, from bash's `times`) of a no-op `meshd apply` on 3 test clusters for
// one or more builds of meshd, alternated each round, and of `node -e 0`: on a loaded machine CPU
// seconds are steadier than bench:startup's wall seconds.
// Run: npx tsx bench/startup-cpu.ts RUNS BIN... (BIN: a tarball's bin/meshd, e.g. dist/stage/meshd-0.1.0/bin/meshd)
import { spawn } from 'node:child_process';
import { binaryPaths, startClusters } from '@meshd/testenv';
import { median } from './lib/stats.js';
import { createWorkspace, meshdConfigText } from './lib/workspace.js';
import { clusterKubeconfigs } from './lib/clusters.js';

const [, , runsText, ...bins] = process.argv;
const runs = Number(runsText);
function cpuOf(bin: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `"$@" >/dev/null 2>&1; times`, 'x', process.execPath, bin, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const line = out.trim().split('\n')[1] ?? '';
      const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      resolve((secs[0] ?? NaN) + (secs[1] ?? NaN));
    });
  });
}
const env = await startClusters({ count: 3 });
try {
  const members = await clusterKubeconfigs(env);
  const ws = await createWorkspace(members, meshdConfigText({ helm: binaryPaths().helm, secretNamespaces: ['default'] }));
  const args = ['apply', '--dir', ws.dir, '--config', ws.configPath];
  await cpuOf(bins[0]!, args);
  const results = new Map<string, number[]>(bins.map((b) => [b, []]));
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    floor.push(await cpuOf('-e', ['0']));
    for (const b of i % 2 === 0 ? bins : [...bins].reverse()) results.get(b)!.push(await cpuOf(b, args));
  }
  console.log(`node -e 0: median CPU ${median(floor).toFixed(3)} s`);
  for (const [b, v] of results) console.log(`${b}: median CPU ${median(v).toFixed(3)} s of ${v.map((x) => x.toFixed(2)).join(' ')}`);
  await ws.cleanup();
} finally {
  await env.stop();
}
