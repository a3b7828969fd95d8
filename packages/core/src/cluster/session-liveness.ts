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
 * being answered: after `readIdleMs` without a frame either way (Node refreshes the session's
 * timeout on every frame read or written), or when the owner calls `checkNow` (a request timed
 * out), it sends a PING, and calls `dead` when neither its answer nor anything else comes within
 * `pingTimeoutMs`. A session that hears from its server (a watch event, an answer) sends none. A
 * dropped connection is found within READ_IDLE_MS + PING_TIMEOUT_MS whatever the watches'
 * server-side timeout, which can then be long. The session owns the timers (they end with it);
 * nothing here retries.
 */
export function keepSessionAlive(session: ClientHttp2Session, o: SessionLivenessOptions): SessionLiveness {
  const readIdleMs = o.readIdleMs ?? READ_IDLE_MS;
  const pingTimeoutMs = o.pingTimeoutMs ?? PING_TIMEOUT_MS;
  const lastHeard = o.lastHeard ?? ((): number => -Infinity);
  let armed = false;
  let pinging = false;
  const gone = (): boolean => session.destroyed || session.closed;
  const arm = (): void => {
    if (armed || gone()) return;
    armed = true;
    session.setTimeout(readIdleMs, () => {
      armed = false;
      check();
    });
  };
  const verdict = (sentAt: number, answered: () => boolean): void => {
    if (answered() || gone()) return;
    pinging = false;
    if (lastHeard() >= sentAt) return arm();
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
      // An error here is the session closing (its own handlers report that); an answer re-arms.
      if (err === null) arm();
    });
    if (sent) return;
    // Too many PINGs unanswered already: try again after the next idle period.
    clearTimeout(unanswered);
    pinging = false;
    arm();
  };
  arm();
  return { checkNow: check };
}
