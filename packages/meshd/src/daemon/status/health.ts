import type { Logger } from '@meshd/core';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { DaemonMetrics } from './metrics.js';
import type { Redactor } from '../../output/redact.js';
import type { MeshStatus } from './status.js';
import { PAGE_CSS } from './page/page-css.js';
import { PAGE_HTML } from './page/page-html.js';
import { PAGE_JS } from './page/page-script.js';
import { StatusFeed } from './status-feed.js';
import { hostAllowed, refusalDetail, type HostPolicy } from './host-check.js';

/** What the health server reads on each request; it owns none of it. */
export interface HealthSources {
  /** The current /status body (statusFromReports with the daemon's context). */
  status(): MeshStatus;
  /**
   * Whether the daemon is ready and why not, without building the whole /status (a probe polled
   * every few seconds should not cost O(clusters)); /readyz falls back to status() without it.
   */
  readiness?(): Pick<MeshStatus, 'ready' | 'readyReasons'>;
  metrics: DaemonMetrics;
  /** Scrubs credentials from every body before it leaves. */
  redactor: Redactor;
  logger: Logger;
  /** The status page's live feed; the server makes (and closes) its own when not given. */
  feed?: StatusFeed;
  /** Where it will listen (default DEFAULT_LISTEN): the Host check's address, and its port until it is bound. */
  listen?: { host: string; port: number };
  /** Host names served besides loopback ones (`allowedHosts`), read on each request (a reload may change them). */
  allowedHosts?: () => readonly string[];
}

/** The routes, all GET (HEAD answered too); anything else on them is 405. */
export const HEALTH_PATHS = ['/', '/healthz', '/readyz', '/status', '/metrics', '/events', '/page.js', '/page.css'] as const;

/**
 * The status page's policy: its script, style and event stream from this origin only, nothing
 * inline, no frames, forms or plugins.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Default listen address: loopback only (rule 6). */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 9580 };

/** Headers every answer carries; `csp` is the page's policy, else nothing may load from a response. */
function secure(reply: FastifyReply, csp = "default-src 'none'; frame-ancestors 'none'"): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', csp)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-resource-policy', 'same-origin');
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Builds (does not start) the fastify health server: GET/HEAD /healthz (alive), /readyz (200 once a
 * reconcile finished and the directory is valid, else 503 with reasons), /status (JSON), /metrics
 * (Prometheus text), / (the status page, with /page.js and /page.css) and /events (Server-Sent
 * Events feeding the page). Other methods get 405 with Allow, other paths 404. Requests carry no body.
 */
export function buildHealthServer(sources: HealthSources): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024, return503OnClosing: true });
  const json = (reply: FastifyReply, code: number, body: unknown): FastifyReply =>
    secure(reply)
      .code(code)
      .type('application/json; charset=utf-8')
      .send(sources.redactor.scrub(JSON.stringify(body)));

  app.get('/healthz', (_req, reply) => json(reply, 200, { alive: true }));
  app.get('/readyz', (_req, reply) => {
    const status = sources.readiness?.() ?? sources.status();
    return json(reply, status.ready ? 200 : 503, { ready: status.ready, reasons: status.readyReasons });
  });
  app.get('/status', (_req, reply) => json(reply, 200, sources.status()));
  app.get('/metrics', async (_req, reply) => {
    const text = await sources.metrics.text();
    return secure(reply).code(200).type(sources.metrics.contentType).send(sources.redactor.scrub(text));
  });
  guardHost(app, sources);
  registerPage(app, sources.feed ?? new StatusFeed({ status: () => sources.status(), redactor: sources.redactor }));

  app.setNotFoundHandler((req, reply) => {
    const known = (HEALTH_PATHS as readonly string[]).includes(pathOf(req.url));
    if (known) return json(reply.header('allow', 'GET, HEAD'), 405, { error: 'method not allowed', allow: ['GET', 'HEAD'] });
    return json(reply, 404, { error: 'not found', paths: HEALTH_PATHS });
  });
  app.setErrorHandler((err: { statusCode?: number; message?: string }, _req, reply) => {
    const code = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (code === 500) sources.logger.error({ err: err.message ?? 'unknown error' }, 'health server error');
    return json(reply, code, { error: code === 500 ? 'internal error' : (err.message ?? 'bad request') });
  });
  return app;
}

/** A refused request's log line: at most one a minute, with how many were refused meanwhile. */
const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * Refuses (421 Misdirected Request, before routing) every request whose Host header does not name
 * this server (hostAllowed): a DNS-rebinding page gets nothing. Counted in
 * meshd_http_refused_requests_total{reason="host"} and logged (rate-limited).
 */
function guardHost(app: FastifyInstance, sources: HealthSources): void {
  const listen = sources.listen ?? DEFAULT_LISTEN;
  let lastLogAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  const policy = (): HostPolicy => {
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : listen.port;
    return { boundHost: listen.host, port, allowedHosts: sources.allowedHosts?.() ?? [] };
  };
  app.addHook('onRequest', async (req, reply) => {
    const current = policy();
    if (hostAllowed(req.headers.host, current)) return;
    sources.metrics.refusedRequest('host');
    const now = Date.now();
    if (now - lastLogAt >= REFUSAL_LOG_INTERVAL_MS) {
      const host = req.headers.host === undefined ? '(none)' : sources.redactor.scrub(req.headers.host.slice(0, 100));
      sources.logger.warn(
        { host, path: pathOf(req.url).slice(0, 100), refusedSinceLastLine: unlogged },
        'refused a request whose Host header does not name this server (DNS rebinding?)',
      );
      lastLogAt = now;
      unlogged = 0;
    } else unlogged += 1;
    const body = { error: 'misdirected request: the Host header does not name this server', detail: refusalDetail(current) };
    return secure(reply)
      .code(421)
      .type('application/json; charset=utf-8')
      .header('connection', 'close')
      .send(sources.redactor.scrub(JSON.stringify(body)));
  });
}

/** The status page's routes: the document, its script and style, and the event stream. */
function registerPage(app: FastifyInstance, feed: StatusFeed): void {
  const asset =
    (type: string, body: string) =>
    (_req: unknown, reply: FastifyReply): FastifyReply =>
      secure(reply, PAGE_CSP).code(200).type(type).send(body);
  app.get('/', asset('text/html; charset=utf-8', PAGE_HTML));
  app.get('/page.js', asset('text/javascript; charset=utf-8', PAGE_JS));
  app.get('/page.css', asset('text/css; charset=utf-8', PAGE_CSS));
  app.get('/events', (req, reply) => {
    if (req.method === 'HEAD') return secure(reply).code(200).type('text/event-stream; charset=utf-8').send();
    reply.hijack();
    feed.attach(req.raw, reply.raw);
    return reply;
  });
  app.addHook('preClose', (done) => {
    feed.close();
    done();
  });
}

/** Parses HOST:PORT (IPv6 as [::1]:9580). Undefined when malformed. Pure. */
export function parseListen(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { host, port };
}

/** Starts listening; resolves with the URL it listens on (port 0 picks a free one). */
export async function listenHealthServer(app: FastifyInstance, listen: { host: string; port: number }): Promise<string> {
  await app.listen({ host: listen.host, port: listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : listen.port;
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `http://${host}:${port}`;
}
