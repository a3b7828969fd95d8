import type { ClientHttp2Session } from 'node:http2';

/** A connection that has carried no frame for this long is asked for a PING (client-go's ReadIdleTimeout). */
export const READ_IDLE_MS = 30_000;
/** A PING not answered within this long, with nothing else heard meanwhile, closes the connection (client-go's PingTimeout). */
export const PING_TIMEOUT_MS = 15_000;

/** Options of keepSessionAlive. */
export interface SessionLivenessOptions {
  /** Called when the connection is taken for dead: a PING went unanswered and nothing else came. The caller closes it. */
  dead: (why: Error) => void;
  /**
   * When the session last received something on a stream (an answer's headers, a watch's event),
   * on performance.now()'s clock. Anything heard after a PING was sent answers it as well as its
   * ACK would: a connection busy delivering answers is alive, however late the ACK.
   */
  lastHeard?: () => number;
  readIdleMs?: number;
  pingTimeoutMs?: number;
}

/** A session's liveness check, for its owner. */
export interface SessionLiveness {
  /**
   * Asks for a PING now (a request on the session ran out of time: is the connection or only that
   * request stuck?). At most one PING is out at a time; a check while one is out waits for its verdict.
   */
  checkNow(): void;
}

/**
 * Finds a connection that died silently (a black hole, a dropped NAT entry: no FIN, no RST) under a
 * session whose watches wait for events that may not come for an hour, and one whose requests stop
 * being answered: once it has heard nothing for about `readIdleMs` (no stream's answer or event via
 * `lastHeard`, no PING answer), or when the owner calls `checkNow` (a request timed out), it sends a
 * PING, and calls `dead` when neither its answer nor anything else comes within `pingTimeoutMs`. A
 * session that hears from its server (a watch event, an answer) sends none. A dropped connection is
 * found within READ_IDLE_MS + PING_TIMEOUT_MS whatever the watches' server-side timeout, which can
 * then be long. Quiet sessions are looked at together by one shared sweep (LivenessSweep), not a
 * timer each; the session's close takes it out of the sweep. Nothing here retries.
 */
export function keepSessionAlive(session: ClientHttp2Session, o: SessionLivenessOptions): SessionLiveness {
  const readIdleMs = o.readIdleMs ?? READ_IDLE_MS;
  const pingTimeoutMs = o.pingTimeoutMs ?? PING_TIMEOUT_MS;
  const lastHeard = o.lastHeard ?? ((): number => -Infinity);
  const sweep = sweepFor(readIdleMs);
  /** Quiet is counted from the latest of this (the start, the last PING answer or PING refused) and lastHeard(). */
  let quietFrom = performance.now();
  let pinging = false;
  const gone = (): boolean => session.destroyed || session.closed;
  const verdict = (sentAt: number, answered: () => boolean): void => {
    if (answered() || gone()) return;
    pinging = false;
    if (lastHeard() >= sentAt) return;
    o.dead(new Error(`no answer to an HTTP/2 PING within ${pingTimeoutMs / 1000} s: connection presumed dead`));
  };
  const check = (): void => {
    if (pinging || gone()) return;
    pinging = true;
    const sentAt = performance.now();
    let answered = false;
    // The verdict waits for the I/O already pending (setImmediate runs after it): a daemon whose
    // event loop was starved past the timeout may hold the answer unread, and must not call it dead.
    const unanswered = setTimeout(() => setImmediate(() => verdict(sentAt, () => answered)), pingTimeoutMs);
    unanswered.unref();
    const sent = session.ping((err) => {
      answered = true;
      pinging = false;
      clearTimeout(unanswered);
      // An error here is the session closing (its own handlers report that).
      if (err === null) quietFrom = performance.now();
    });
    if (sent) return;
    // Too many PINGs unanswered already: try again after the next idle period.
    clearTimeout(unanswered);
    pinging = false;
    quietFrom = performance.now();
  };
  const look = (now: number): void => {
    if (!pinging && now - Math.max(quietFrom, lastHeard()) >= sweep.quietMs) check();
  };
  sweep.add(look);
  session.once('close', () => sweep.delete(look));
  if (gone()) sweep.delete(look);
  return { checkNow: check };
}

/**
 * One timer for the liveness of every session with the same read-idle period. A timer of its own
 * per session woke a daemon at 1 000 clusters 33 times a second for its PINGs (0.68 % of a core,
 * the most of what it spent idle: bench/RESULTS.md); the sweep looks at every session each sixth
 * of the period and PINGs, together, those quiet for at least the period less one sweep, so a
 * PING still goes out within `readIdleMs` of quiet. Its timer is unreferenced (it never keeps a
 * process alive) and stops when no session is left.
 */
class LivenessSweep {
  private readonly looks = new Set<(now: number) => void>();
  private timer: NodeJS.Timeout | undefined;
  /** How long a session is quiet before the sweep PINGs it. */
  readonly quietMs: number;
  private readonly everyMs: number;

  constructor(readIdleMs: number) {
    this.everyMs = Math.max(1, Math.round(readIdleMs / 6));
    this.quietMs = readIdleMs - this.everyMs;
  }

  add(look: (now: number) => void): void {
    this.looks.add(look);
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      const now = performance.now();
      for (const each of this.looks) each(now);
    }, this.everyMs);
    this.timer.unref();
  }

  delete(look: (now: number) => void): void {
    this.looks.delete(look);
    if (this.looks.size > 0 || this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

const sweeps = new Map<number, LivenessSweep>();

function sweepFor(readIdleMs: number): LivenessSweep {
  let sweep = sweeps.get(readIdleMs);
  if (sweep === undefined) sweeps.set(readIdleMs, (sweep = new LivenessSweep(readIdleMs)));
  return sweep;
}
