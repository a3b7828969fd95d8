#!/usr/bin/env node
// `npm run testenv -- up --clusters N [--tiller] [--proxy] [--istiod] --dir DIR` / `npm run testenv -- down --dir DIR`.
import { Command, InvalidArgumentError } from 'commander';
import { isSupervisor, stopDetachedEnv } from './down.js';
import { clusterEntry, startClusters } from './env.js';
import { readState, writeState } from './state.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Runs the testenv CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('testenv').description('real Kubernetes clusters on 127.0.0.1 for meshd tests').exitOverride();
  program
    .command('up')
    .description('start N clusters (the first seeded with a stand-in Istio 0.8 control plane), leave them running')
    .requiredOption('--dir <dir>', 'where to write <name>.kube.conf, clusters.json and the data')
    .option('--clusters <n>', 'number of clusters', positiveInt, 3)
    .option('--tiller', 'also start one out-of-cluster Tiller (Helm 2) per remote; clusters.json records its tillerHost', false)
    .option('--proxy', 'put a fault proxy (Toxiproxy) in front of every API server: the kubeconfigs go through it; clusters.json records each proxy', false)
    .option('--istiod', 'also run a real istiod (pilot-discovery) out of cluster against the control plane; clusters.json records its istiodDebug URL', false)
    .action(async (opts: { dir: string; clusters: number; tiller: boolean; proxy: boolean; istiod: boolean }) => {
      const previous = await readState(opts.dir);
      if (previous && isSupervisor(previous.supervisorPid)) {
        console.error(`testenv: ${opts.dir} already holds a running environment; run \`testenv down --dir ${opts.dir}\` first`);
        exitCode = 1;
        return;
      }
      if (previous) await stopDetachedEnv(opts.dir); // files of an environment that died (e.g. a reboot)
      const started = Date.now();
      const env = await startClusters({ count: opts.clusters, dir: opts.dir, tiller: opts.tiller, proxy: opts.proxy, istiod: opts.istiod });
      const clusters = env.clusters.map((c) => clusterEntry(c, { toxiproxy: env.toxiproxy, istiodDebug: env.istiodDebug }));
      await writeState(env.dir, { supervisorPid: env.supervisorPid, clusters, paths: [...env.paths] });
      await env.detach();
      for (const c of clusters) {
        const extras = [
          ...(c.tillerHost ? [`tiller ${c.tillerHost}`] : []),
          ...(c.proxy ? [`proxy ${c.proxy} → ${c.directServer}`] : []),
          ...(c.istiodDebug ? [`istiod ${c.istiodDebug}`] : []),
        ];
        console.log([c.name, c.server, c.kubeconfig, ...extras].join('\t'));
      }
      if (env.toxiproxy) console.log(`testenv: fault proxy API ${env.toxiproxy.url}`);
      console.log(
        `testenv: ${clusters.length} clusters ready in ${((Date.now() - started) / 1000).toFixed(1)} s; stop with: npm run testenv -- down --dir ${opts.dir}`,
      );
    });
  program
    .command('down')
    .description('stop the clusters `up` started in DIR and remove their files')
    .requiredOption('--dir <dir>', 'the directory given to up')
    .action(async (opts: { dir: string }) => {
      const stopped = await stopDetachedEnv(opts.dir);
      console.log(stopped ? `testenv: stopped the clusters in ${opts.dir}` : `testenv: nothing running in ${opts.dir}`);
    });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode;
    if (typeof code === 'number') return code;
    console.error(`testenv: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  return exitCode;
}

process.exitCode = await main(process.argv.slice(2));
