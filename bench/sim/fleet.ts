// SIMULATION (benchmarks only): a fleet of simulated Kubernetes API servers in this process, one
// HTTPS port on 127.0.0.1 per cluster, sharing one EC serving certificate (testenv's PKI) and checking a bearer
// token per cluster. Like kube-apiserver, each speaks HTTP/2 to a client that asks for it (ALPN) and
// HTTP/1.1 to the others. Not Kubernetes: no admission, defaulting, controllers or persistence. It exists
// so meshd's own cost can be measured at mesh sizes whose real API servers do not fit on one machine.
import { randomBytes } from 'node:crypto';
import { createSecureServer } from 'node:http2';
import type { Http2SecureServer } from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { stringify } from 'yaml';
import { createRootCa, issueCert } from '@meshd/testenv';
import { handleRequest, sendJson } from './handler.js';
import { seedCluster, simNetwork, SimControlPlane } from './seed.js';
import { ClusterStore, type RequestCounts } from './store.js';
import { FleetTraces, tracedRequest } from './conn-trace.js';
import type { ConnectionTrace } from './conn-trace.js';
import type { TLSSocket } from 'node:tls';

/** One simulated cluster. */
export interface SimCluster {
  name: string;
  index: number;
  server: string;
  kubeconfigText: string;
  store: ClusterStore;
}

/** Options of startSimFleet. */
export interface SimFleetOptions {
  /** Clusters in all; the first is the control plane. */
  count: number;
  /** Where the TLS key and certificate are written (the caller removes it). */
  workDir: string;
  /** Application namespaces on every cluster; the control plane has istio.default in each. */
  appNamespaces: readonly string[];
}

/** A running fleet. Whoever started it must stop() it. */
export interface SimFleet {
  clusters: SimCluster[];
  controlPlane: SimControlPlane;
  /** Write requests each cluster served so far (POST, PUT, PATCH, DELETE). */
  writes(): number[];
  /** What each cluster served so far: reads, writes, watches and TLS connections. */
  counts(): RequestCounts[];
  stop(): Promise<void>;
}

/** Cluster names of a fleet: `cp`, then `remote-001`, `remote-002`, … */
export function simClusterName(index: number): string {
  return index === 0 ? 'cp' : `remote-${String(index).padStart(3, '0')}`;
}

/** A CA and a serving certificate for 127.0.0.1 signed by it (every simulated API server serves the same one). */
async function simServingCert(workDir: string): Promise<{ key: string; cert: string; caPem: string }> {
  const ca = await createRootCa(workDir, '/CN=meshd-sim CA');
  const serving = await issueCert(workDir, ca, '/CN=meshd-sim', 'IP:127.0.0.1');
  return { key: serving.keyPem, cert: serving.certPem, caPem: ca.certPem };
}

function kubeconfig(name: string, server: string, caPem: string, token: string): string {
  const user = `${name}-admin`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name, context: { cluster: name, user } }],
    'current-context': name,
  });
}

async function listen(server: Http2SecureServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** One simulated cluster's store, seeded; the control plane's state too when it is the first. */
function seededStore(index: number, appNamespaces: readonly string[]): { store: ClusterStore; controlPlane?: SimControlPlane } {
  const store = new ClusterStore();
  const network = simNetwork(index);
  seedCluster(store, network, index === 0 ? ['istio-system', ...appNamespaces] : appNamespaces);
  if (index !== 0) return { store };
  const controlPlane = new SimControlPlane(store, network);
  controlPlane.seed(['istio-system', 'default', ...appNamespaces]);
  return { store, controlPlane };
}

/** What one cluster's API server needs. */
interface ClusterServerOptions {
  tls: { key: string; cert: string };
  token: string;
  store: ClusterStore;
  sockets: Set<Socket>;
  /** Set with MESHD_SIM_CONN_TRACE: why each HTTP/1.1 connection was opened (conn-trace.ts). */
  trace: ConnectionTrace | undefined;
}

function clusterServer({ tls, token, store, sockets, trace }: ClusterServerOptions): Http2SecureServer {
  // The handler uses what HTTP/1.1's and HTTP/2's compatibility request and response share.
  const server = createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: true }, (req, res) => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs them (HTTP/2's types lack a few HTTP/1.1 members the handler never uses)
    const [request, response] = [req as unknown as IncomingMessage, res as unknown as ServerResponse];
    if (trace && req.httpVersionMajor === 1) tracedRequest(request.socket, response);
    if (request.headers.authorization !== `Bearer ${token}`)
      return sendJson(response, 401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401 });
    void handleRequest(request, response, store);
  });
  // No idle timeout: kube-apiserver closes only connections without a request or stream in flight
  // after 90 s, and meshd closes its idle request connections after 5 s itself. (Node's server
  // timeout would also cut a quiet watch, which kube-apiserver never does.)
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    store.counts.connections++;
    if ((socket as Socket & { alpnProtocol?: string | false }).alpnProtocol === 'h2') store.counts.h2Connections++;
    else trace?.opened(socket as TLSSocket);
    socket.once('close', () => sockets.delete(socket));
  });
  return server;
}

/** Starts `count` simulated clusters; resolves once all listen. */
export async function startSimFleet(options: SimFleetOptions): Promise<SimFleet> {
  const tls = await simServingCert(options.workDir);
  const servers: Http2SecureServer[] = [];
  const sockets = new Set<Socket>();
  const clusters: SimCluster[] = [];
  let controlPlane: SimControlPlane | undefined;
  const traces = new FleetTraces(process.env.MESHD_SIM_CONN_TRACE);
  for (let index = 0; index < options.count; index++) {
    const seeded = seededStore(index, options.appNamespaces);
    const store = seeded.store;
    controlPlane = seeded.controlPlane ?? controlPlane;
    const token = randomBytes(16).toString('hex');
    const server = clusterServer({ tls, token, store, sockets, trace: traces.next() });
    servers.push(server);
    const url = `https://127.0.0.1:${await listen(server)}`;
    const name = simClusterName(index);
    clusters.push({ name, index, server: url, kubeconfigText: kubeconfig(name, url, tls.caPem, token), store });
  }
  if (!controlPlane) throw new Error('a fleet needs at least one cluster');
  const stop = async (): Promise<void> => {
    traces.write();
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  };
  return { clusters, controlPlane, writes: () => clusters.map((c) => c.store.counts.writes), counts: () => clusters.map((c) => ({ ...c.store.counts })), stop };
}
