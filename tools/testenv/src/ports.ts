import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Lowest port handed out: below it sit well-known and registered services' defaults. */
const LOWEST_PORT = 10_000;
/** Linux's default first ephemeral port, when /proc does not say. */
const DEFAULT_EPHEMERAL_START = 32_768;

/**
 * The first port of the kernel's ephemeral range. Every outgoing connection on this machine takes its
 * local port from that range, so a port chosen there (as `listen(0)` does) can be taken by a client
 * socket between choosing it and etcd or kube-apiserver binding it: CI saw etcd fail with "bind:
 * address already in use" that way. Ports are chosen below it.
 */
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST_PORT ? first : DEFAULT_EPHEMERAL_START;
  } catch {
    return DEFAULT_EPHEMERAL_START;
  }
}

/** Listens on 127.0.0.1:`port` (0: any free port); resolves undefined when it is taken. */
function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected socket address');
  return address.port;
}

/** A free port below the ephemeral range, held open; after many taken tries, any free port. */
async function holdFreePort(taken: Set<number>): Promise<Server> {
  const start = ephemeralStart();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST_PORT + Math.floor(Math.random() * (start - LOWEST_PORT));
    if (taken.has(port)) continue;
    const server = await listenOn(port);
    if (server) return server;
  }
  const any = await listenOn(0);
  if (!any) throw new Error('no free TCP port on 127.0.0.1');
  return any;
}

/**
 * `count` distinct free TCP ports on 127.0.0.1, chosen at random below the kernel's ephemeral range
 * (so no outgoing connection can take one before it is bound). All are held open until every one is
 * chosen, so they differ; the caller binds them soon after (two test processes choosing the same one
 * in that moment remains possible, and unlikely among ~22 000).
 */
export async function allocatePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  const taken = new Set<number>();
  try {
    for (let i = 0; i < count; i++) {
      const server = await holdFreePort(taken);
      servers.push(server);
      taken.add(portOf(server));
    }
    return servers.map(portOf);
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** True when nothing listens on 127.0.0.1:`port` (we could bind it ourselves). */
export async function isPortFree(port: number): Promise<boolean> {
  const server = await listenOn(port);
  if (server) await close(server);
  return server !== undefined;
}
