// bench:request-paths — one real kube-apiserver, the same requests sent by each of the cluster
// client's three request paths side by side in one process: keep-alive HTTP/1.1 (the default, the
// baseline), streams of an HTTP/2 connection of the client's own (`requestsOnOwnConnection`, the
// one-shot pass's option) and streams of the watches' HTTP/2 connection with a watch open on it
// (`requestsOnWatchConnection`, the daemon's option). Rounds alternate the paths; each round is a
// fresh client (its first request pays the connection), then sequential GETs, parallel GETs (8 at
// a time: the request limit queues them 4 by 4) and sequential server-side applies.
// Prints per path the median ms of each kind and its ratio to HTTP/1.1's.
// Run: npx tsx bench/request-paths.ts [--rounds N] [--requests N] [--out FILE]
import { readFile, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { connectCluster, type ClusterClient, type ConnectOptions } from '@meshd/core/cluster';
import { startClusters } from '@meshd/testenv';
import { flag, intFlag } from './lib/args.js';
import { machineInfo } from './lib/machine.js';
import { loadAverage } from './lib/proc.js';
import { median, round } from './lib/stats.js';

const argv = process.argv.slice(2);
const ROUNDS = intFlag(argv, '--rounds', 5);
const REQUESTS = intFlag(argv, '--requests', 100);
const OUT = flag(argv, '--out');

const PATHS: Record<string, Partial<ConnectOptions>> = {
  'http/1.1': {},
  'own h2 connection': { requestsOnOwnConnection: true },
  "watches' h2 connection": { requestsOnWatchConnection: true },
};
type Kind = 'first request' | 'sequential GET' | 'client CPU per GET' | 'parallel GET (8 at a time)' | 'sequential apply';
const KINDS: Kind[] = ['first request', 'sequential GET', 'client CPU per GET', 'parallel GET (8 at a time)', 'sequential apply'];

const env = await startClusters({ count: 1 });
const samples: Record<string, Record<Kind, number[]>> = {};
try {
  const kubeconfigText = await readFile(env.clusters[0]!.kubeconfigPath, 'utf8');
  const loadBefore = await loadAverage();
  for (let round = 0; round < ROUNDS * Object.keys(PATHS).length; round++) {
    const [name, options] = Object.entries(PATHS)[round % Object.keys(PATHS).length]!;
    const figures = await measure(connectCluster({ name: 'bench', kubeconfigText, ...options }), name.startsWith('watches'));
    const row = (samples[name] ??= {
      'first request': [],
      'sequential GET': [],
      'client CPU per GET': [],
      'parallel GET (8 at a time)': [],
      'sequential apply': [],
    });
    for (const kind of KINDS) row[kind].push(figures[kind]);
  }
  const table = Object.fromEntries(
    Object.entries(samples).map(([name, row]) => [
      name,
      Object.fromEntries(
        KINDS.map((kind) => [kind, { ms: round(median(row[kind]), 3), ratio: round(median(row[kind]) / median(samples['http/1.1']![kind]), 2) }]),
      ),
    ]),
  );
  console.log(`request paths against one kube-apiserver: ${ROUNDS} rounds, ${REQUESTS} requests per kind (median ms per request; ratio to HTTP/1.1)`);
  for (const [name, row] of Object.entries(table)) {
    console.log(`  ${name.padEnd(24)} ${KINDS.map((kind) => `${kind}: ${row[kind]!.ms} ms (${row[kind]!.ratio}x)`).join('  ')}`);
  }
  const result = { rounds: ROUNDS, requests: REQUESTS, table, load: { before: loadBefore, after: await loadAverage() }, machine: machineInfo() };
  if (OUT) await writeFile(OUT, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await env.stop();
}

/** Milliseconds per request of `count` sequential calls of `send`, and the client's CPU ms per request. */
async function perRequest(count: number, send: (i: number) => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  const t = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) await send(i);
  const used = process.cpuUsage(cpu);
  return { ms: (performance.now() - t) / count, cpuMs: (used.user + used.system) / 1000 / count };
}

/** One round on a fresh client: the ms per request of each kind. */
async function measure(client: ClusterClient, withWatch: boolean): Promise<Record<Kind, number>> {
  const watch = withWatch
    ? await client.watches.watch(
        '/api/v1/namespaces/default/configmaps',
        {},
        () => undefined,
        () => undefined,
      )
    : undefined;
  try {
    const first = await perRequest(1, () => client.core.readNamespace({ name: 'default' }));
    const sequential = await perRequest(REQUESTS, () => client.core.readNamespace({ name: 'default' }));
    const parallel = await perRequest(REQUESTS / 8, () => Promise.all(Array.from({ length: 8 }, () => client.core.readNamespace({ name: 'kube-system' }))));
    const applies = await perRequest(REQUESTS, (i) =>
      client.objects.patch(
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench-paths', namespace: 'default' }, data: { i: String(i % 4) } },
        { contentType: 'application/apply-patch+yaml', fieldManager: 'meshd-bench', force: true },
      ),
    );
    return {
      'first request': first.ms,
      'sequential GET': sequential.ms,
      'client CPU per GET': sequential.cpuMs,
      'parallel GET (8 at a time)': parallel.ms / 8,
      'sequential apply': applies.ms,
    };
  } finally {
    watch?.abort();
  }
}
