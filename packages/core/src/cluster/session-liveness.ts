import type { ClientHttp2Session } from 'node:http2';

/** A connection that has carried no frame for this long is asked for a PING (client-go's ReadIdleTimeout). */
export const READ_IDLE_MS = 30_000;
/** A PING not answered within this long closes the connection (client-go's PingTimeout). */
export const PING_TIMEOUT_MS = 15_000;

/** Options of keepSessionAlive. */
export interface SessionLivenessOptions {
  /** Called once when the connection is taken for dead: a PING went unanswered. The caller closes it. */
  dead: (why: Error) => void;
  readIdleMs?: number;
  pingTimeoutMs?: number;
}

/**
 * Finds a connection that died silently (a black hole, a dropped NAT entry: no FIN, no RST) under a
 * session whose watches wait for events that may not come for an hour: after `readIdleMs` without a
 * frame either way (Node refreshes the session's timeout on every frame read or written) it sends a
 * PING, and calls `dead` when no answer comes within `pingTimeoutMs`. A session that hears from its
 * server (a watch event, a bookmark, an answer) sends none. A dropped connection is found within
 * READ_IDLE_MS + PING_TIMEOUT_MS whatever the watches' server-side timeout, which can then be long
 * (each end of a watch request is a restart: a list-free re-watch, but thousands of them at 1 000
 * clusters). The session owns the timers (they end with it); nothing here retries.
 */
export function keepSessionAlive(session: ClientHttp2Session, o: SessionLivenessOptions): void {
  const readIdleMs = o.readIdleMs ?? READ_IDLE_MS;
  const pingTimeoutMs = o.pingTimeoutMs ?? PING_TIMEOUT_MS;
  const idle = (): void => {
    if (session.destroyed || session.closed) return;
    let answered = false;
    // The verdict waits for the I/O already pending (setImmediate runs after it): a daemon whose
    // event loop was starved past the timeout may hold the answer unread, and must not call it dead.
    const unanswered = setTimeout(
      () =>
        setImmediate(() => {
          if (!answered) o.dead(new Error(`no answer to an HTTP/2 PING within ${pingTimeoutMs / 1000} s: connection presumed dead`));
        }),
      pingTimeoutMs,
    );
    unanswered.unref();
    const sent = session.ping((err) => {
      answered = true;
      clearTimeout(unanswered);
      // An error here is the session closing (its own handlers report that); an answer re-arms.
      if (err === null) session.setTimeout(readIdleMs, idle);
    });
    if (!sent) {
      // Too many PINGs unanswered already (never with one at a time): try again after the next idle period.
      clearTimeout(unanswered);
      session.setTimeout(readIdleMs, idle);
    }
  };
  session.setTimeout(readIdleMs, idle);
}
