import { join } from 'node:path';
import { waitUntil } from './https.js';
import { logTail } from './logs.js';
import type { Supervisor } from './supervisor.js';
import { ToxiproxyClient } from './toxiproxy/client.js';
import { LinkFaults } from './toxiproxy/faults.js';

/** Supervisor name of the environment's one Toxiproxy server. */
export const TOXIPROXY_PROCESS = 'toxiproxy';

/** What startToxiproxy needs. */
export interface ToxiproxyStart {
  supervisor: Supervisor;
  binary: string;
  /** Port of its HTTP API on 127.0.0.1. */
  apiPort: number;
  /** Where its log goes. */
  logFile: string;
}

/** The name of the proxy in front of a cluster's API server. */
export const proxyNameOf = (cluster: string): string => `${cluster}-apiserver`;

/**
 * Starts `toxiproxy-server` on 127.0.0.1:`apiPort` under the environment's supervisor (it dies with
 * the clusters) and resolves with a client once its API answers.
 */
export async function startToxiproxy(options: ToxiproxyStart): Promise<ToxiproxyClient> {
  const { supervisor, apiPort } = options;
  await supervisor.spawn({
    name: TOXIPROXY_PROCESS,
    command: options.binary,
    args: ['-host', '127.0.0.1', '-port', String(apiPort)],
    log: options.logFile,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_LEVEL: 'warn' },
  });
  const client = new ToxiproxyClient(`http://127.0.0.1:${apiPort}`);
  await waitUntil(`toxiproxy API on 127.0.0.1:${apiPort}`, async () => (await client.version()).length > 0, {
    timeoutMs: 30_000,
    intervalMs: 100,
    abortReason: () => (supervisor.children().has(TOXIPROXY_PROCESS) ? undefined : `toxiproxy exited; end of its log:\n${logTail(options.logFile)}`),
  });
  return client;
}

/** Creates the proxy 127.0.0.1:`listenPort` → 127.0.0.1:`upstreamPort` for `cluster`; returns its faults. */
export async function proxyCluster(client: ToxiproxyClient, cluster: string, ports: { listen: number; upstream: number }): Promise<LinkFaults> {
  const name = proxyNameOf(cluster);
  await client.createProxy({ name, listen: `127.0.0.1:${ports.listen}`, upstream: `127.0.0.1:${ports.upstream}` });
  return new LinkFaults(client, name);
}

/** Where the Toxiproxy server of an environment in `dir` logs. */
export const toxiproxyLog = (dir: string): string => join(dir, 'toxiproxy.log');
