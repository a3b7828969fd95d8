import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Redactor } from '../../output/redact.js';
import type { MeshStatus, TimelineView } from './status.js';
import { appendTimeline, timelineEntries, type TimelineEvent } from './timeline.js';

/** What the status page shows: the /status body and the timeline of recent changes. */
export interface PageView {
  status: MeshStatus;
  timeline: TimelineEvent[];
}

/** Options of StatusFeed. */
export interface StatusFeedOptions {
  /** The /status body right now. */
  status(): MeshStatus;
  /** Scrubs credentials from every event before it leaves. */
  redactor: Redactor;
  /** How long changed() waits to fold a burst of changes into one event; default 100 ms. */
  coalesceMs?: number;
  /** How often the feed looks for changes nobody announced (queue, directory watch); default 1 s. */
  pollMs?: number;
  /** Most subscribers at once (each holds a connection); default 32. */
  maxClients?: number;
  now?: () => number;
}

/** Headers of the Server-Sent Events stream. */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

/**
 * The status page's live feed: keeps the timeline (the last 100 reconciles and changes) and pushes
 * the page view to every `GET /events` subscriber as a Server-Sent Event `view` when it changes.
 * The daemon calls record() after each reconcile (its timeline entries are kept at once, however
 * close together reconciles end); sending is coalesced; a poll catches the rest. Owns its
 * timer and the subscribers' responses; close() ends them all. Never throws into the daemon.
 */
export class StatusFeed {
  private timeline: TimelineEvent[] = [];
  private seq = 1;
  private lastBody = '';
  private readonly clients = new Set<ServerResponse>();
  private pending: NodeJS.Timeout | undefined;
  private readonly poll: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: StatusFeedOptions) {
    // Only for subscribers: with none, the poll builds nothing (a view of N clusters, serialised and
    // scrubbed of every known credential, each second: the idle daemon's largest cost at 500 clusters).
    this.poll = setInterval(() => {
      if (this.clients.size > 0) this.flush();
    }, o.pollMs ?? 1000);
    this.poll.unref();
  }

  /**
   * A reconcile ended: the timeline takes the entries between its views before and after (of the
   * clusters it reported) now, and the page view is sent soon.
   */
  record(before: TimelineView, after: TimelineView): void {
    if (this.closed) return;
    const entries = timelineEntries(before, after, new Date((this.o.now ?? Date.now)()).toISOString());
    this.timeline = appendTimeline(this.timeline, entries, this.seq);
    this.seq += entries.length;
    this.changed();
  }

  /**
   * Something changed: send the view soon (bursts are folded into one event). With no subscriber
   * nothing is built or serialised.
   */
  changed(): void {
    if (this.pending !== undefined || this.closed) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      if (this.clients.size > 0) this.flush();
    }, this.o.coalesceMs ?? 100);
    this.pending.unref();
  }

  /** The page view now. */
  view(): PageView {
    return { status: this.o.status(), timeline: [...this.timeline] };
  }

  /** Subscribers connected now. */
  clientCount(): number {
    return this.clients.size;
  }

  /**
   * Takes over a `GET /events` response: 503 when the feed is full or closed; else the stream's
   * headers and the current view at once, then every change. Ends when the client goes away.
   */
  attach(req: IncomingMessage, res: ServerResponse): void {
    if (this.closed || this.clients.size >= (this.o.maxClients ?? 32)) {
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '5' });
      res.end(JSON.stringify({ error: this.closed ? 'shutting down' : 'too many event streams open' }));
      return;
    }
    res.writeHead(200, STREAM_HEADERS);
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    const drop = (): void => void this.clients.delete(res);
    req.on('close', drop);
    res.on('close', drop);
    res.on('error', drop);
    this.send(res, this.body());
  }

  /** Ends every stream and stops the timer (shutdown). */
  close(): void {
    this.closed = true;
    clearInterval(this.poll);
    if (this.pending !== undefined) clearTimeout(this.pending);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private body(): string {
    return this.o.redactor.scrub(JSON.stringify(this.view()));
  }

  /** Sends the view to every subscriber when it differs from the last one sent. */
  private flush(): void {
    if (this.closed) return;
    let body: string;
    try {
      body = this.body();
    } catch {
      return;
    }
    if (body === this.lastBody) return;
    this.lastBody = body;
    for (const res of this.clients) this.send(res, body);
  }

  private send(res: ServerResponse, body: string): void {
    if (res.writableEnded || res.destroyed) {
      this.clients.delete(res);
      return;
    }
    // JSON.stringify escapes newlines inside strings, so the body is one `data:` line.
    res.write(`event: view\ndata: ${body}\n\n`);
  }
}
