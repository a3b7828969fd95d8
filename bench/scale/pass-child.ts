// EXPERIMENT child (benchmarks only): one `meshd apply` pass run the way the CLI runs it
// (config, directory snapshot, built-in plugins, helm probe, runPass), with meshd's own connections
// or client-node's stock ones, printing its own resource usage as JSON on the last line.
// Run by bench/scale/agent-experiment.ts: tsx bench/scale/pass-child.ts stock-client|meshd DIR CONFIG
import { loadConfig, loadPlugins, runPass } from '@meshd/core';
import { readDirectorySnapshot } from '@meshd/core/descriptor';
import { StateStore } from '@meshd/core/state';
import { BUILTIN_PLUGINS, probeHelm } from 'meshd';
import { connectStockClient } from './stock-client.js';
import { silentLogger } from '@meshd/testkit';

const silent = silentLogger();

const [variant, dir, configPath] = process.argv.slice(2);
if ((variant !== 'stock-client' && variant !== 'meshd') || !dir || !configPath) throw new Error('usage: pass-child.ts stock-client|meshd DIR CONFIG');
const started = performance.now();
const config = await loadConfig(configPath, { directory: dir }, { homeDir: process.cwd(), cwd: process.cwd(), plugins: BUILTIN_PLUGINS });
const signal = new AbortController().signal;
const snapshot = await readDirectorySnapshot(config.directory);
const plugins = loadPlugins(BUILTIN_PLUGINS, config, silent, signal);
const helm = (binary: string): ReturnType<typeof probeHelm> => probeHelm(binary, signal);
const state = config.stateDirectory === undefined ? undefined : await StateStore.open(config.stateDirectory);
const report = await runPass({
  mode: 'apply',
  snapshot,
  config,
  plugins,
  logger: silent,
  signal,
  helm,
  ...(state ? { state } : {}),
  ...(variant === 'stock-client' ? { connect: connectStockClient } : {}),
});
if (!report.converged) {
  const failed = report.clusters
    .filter((c) => c.state !== 'converged')
    .slice(0, 5)
    .map((c) => `${c.name}: ${c.state} ${c.lastError?.message ?? c.components.map((x) => x.error?.message ?? '').join(' ')}`);
  console.error(
    `not converged: ${[...report.errors.map((e) => e.message), report.registry?.error?.message ?? '', ...failed].filter((e) => e !== '').join('\n')}`,
  );
}
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    converged: report.converged,
    writes: report.writes,
    passSeconds: (performance.now() - started) / 1000,
    rssMb: usage.maxRSS / 1024,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
  }),
);
process.exit(report.converged ? 0 : 1);
