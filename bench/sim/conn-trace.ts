// SIMULATION (benchmarks only): why a client opened each HTTP/1.1 connection to a simulated API
// server. Each new connection is put in one class from what the server saw of that cluster's other
// HTTP/1.1 connections at that moment: the first, one beside others still open (the client had no
// free one: more requests at once than it keeps, or one it had just closed), or one after all had
// closed (with how long the last had been idle before it closed: ~5 s is meshd's IDLE_SOCKET_MS).
// With MESHD_SIM_CONN_TRACE=FILE the fleet writes the per-cluster summary there when it stops.
import { writeFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';

/** The classes of a new HTTP/1.1 connection (see the file's comment). */
export interface ConnectionReasons {
  first: number;
  /** Opened while others of the cluster were open: their number at that moment, counted. */
  besideOpen: Record<string, number>;
  /** Opened after every other had closed: the gap since the last close, by second (0, 1, 2, …; 60 = 60 s or more). */
  afterAllClosed: Record<string, number>;
  /** Connections whose TLS session was resumed (an abbreviated handshake). */
  resumed: number;
  /** Requests served by each connection, counted: { "1": 12, "3": 2 } is 12 with one request, 2 with three. */
  requestsPerConnection: Record<string, number>;
  /** How long each connection sat idle after its last request before the client closed it, by second. */
  idleBeforeClose: Record<string, number>;
}

const bump = (counts: Record<string, number>, key: string | number): void => {
  counts[String(key)] = (counts[String(key)] ?? 0) + 1;
};

/** One cluster's HTTP/1.1 connections as the server saw them. */
export class ConnectionTrace {
  private open = 0;
  private lastClose: number | undefined;
  readonly reasons: ConnectionReasons = { first: 0, besideOpen: {}, afterAllClosed: {}, resumed: 0, requestsPerConnection: {}, idleBeforeClose: {} };

  /** A new HTTP/1.1 TLS connection: classifies it and follows its requests until it closes. */
  opened(socket: TLSSocket): void {
    const now = performance.now();
    if (this.open > 0) bump(this.reasons.besideOpen, this.open);
    else if (this.lastClose === undefined) this.reasons.first++;
    else bump(this.reasons.afterAllClosed, Math.min(60, Math.floor((now - this.lastClose) / 1000)));
    if (socket.isSessionReused()) this.reasons.resumed++;
    this.open++;
    let requests = 0;
    let lastActive = now;
    (socket as TLSSocket & { meshdSimActive?: (request: boolean) => void }).meshdSimActive = (request) => {
      if (request) requests++;
      lastActive = performance.now();
    };
    socket.once('close', () => {
      this.open--;
      this.lastClose = performance.now();
      bump(this.reasons.requestsPerConnection, requests);
      bump(this.reasons.idleBeforeClose, Math.min(60, Math.floor((this.lastClose - lastActive) / 1000)));
    });
  }
}

/** Counts one request on its connection and notes when its answer was sent (a no-op for a connection the trace does not follow). */
export function tracedRequest(socket: unknown, res: { once(event: 'finish', listener: () => void): unknown }): void {
  const active = (socket as { meshdSimActive?: (request: boolean) => void } | undefined)?.meshdSimActive;
  if (!active) return;
  active(true);
  res.once('finish', () => active(false));
}

/** Sums the clusters' reasons (the remotes', say) into one. */
export function sumReasons(all: readonly ConnectionReasons[]): ConnectionReasons {
  const total: ConnectionReasons = { first: 0, besideOpen: {}, afterAllClosed: {}, resumed: 0, requestsPerConnection: {}, idleBeforeClose: {} };
  const add = (into: Record<string, number>, from: Record<string, number>): void => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  for (const r of all) {
    total.first += r.first;
    total.resumed += r.resumed;
    add(total.besideOpen, r.besideOpen);
    add(total.afterAllClosed, r.afterAllClosed);
    add(total.requestsPerConnection, r.requestsPerConnection);
    add(total.idleBeforeClose, r.idleBeforeClose);
  }
  return total;
}

/** The traces of a fleet's clusters (none without a file), written to the file as the control plane's and the remotes' summed. */
export class FleetTraces {
  private readonly traces: ConnectionTrace[] = [];

  constructor(private readonly file: string | undefined) {}

  /** The next cluster's trace (the first is the control plane's); undefined when not tracing. */
  next(): ConnectionTrace | undefined {
    if (this.file === undefined) return undefined;
    const trace = new ConnectionTrace();
    this.traces.push(trace);
    return trace;
  }

  /** Writes the summary (when tracing). */
  write(): void {
    if (this.file === undefined) return;
    const [cp, ...remotes] = this.traces.map((t) => t.reasons);
    writeFileSync(this.file, `${JSON.stringify({ controlPlane: cp, remotes: remotes.length, remotesSummed: sumReasons(remotes) }, null, 2)}\n`);
  }
}
