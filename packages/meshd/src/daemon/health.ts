import type { Logger } from '@meshd/core';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { DaemonMetrics } from './metrics.js';
import type { Redactor } from '../output/redact.js';
import type { MeshStatus } from './status.js';

/** What the health server reads on each request; it owns none of it. */
export interface HealthSources {
  /** The current /status body (statusFromReports with the daemon's context). */
  status(): MeshStatus;
  metrics: DaemonMetrics;
  /** Scrubs credentials from every body before it leaves. */
  redactor: Redactor;
  logger: Logger;
}

/** The routes, all GET (HEAD answered too); anything else on them is 405. */
export const HEALTH_PATHS = ['/healthz', '/readyz', '/status', '/metrics'] as const;

/** Default listen address: loopback only (rule 6). */
export const DEFAULT_LISTEN = { host: '127.0.0.1', port: 9580 };

function secure(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * Builds (does not start) the fastify health server: GET/HEAD /healthz (alive), /readyz (200 once a
 * reconcile finished and the directory is valid, else 503 with reasons), /status (JSON), /metrics
 * (Prometheus text). Other methods get 405 with Allow, other paths 404. Requests carry no body.
 */
export function buildHealthServer(sources: HealthSources): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024, return503OnClosing: true });
  const json = (reply: FastifyReply, code: number, body: unknown): FastifyReply =>
    secure(reply).code(code).type('application/json; charset=utf-8').send(sources.redactor.scrub(JSON.stringify(body)));

  app.get('/healthz', (_req, reply) => json(reply, 200, { alive: true }));
  app.get('/readyz', (_req, reply) => {
    const status = sources.status();
    return json(reply, status.ready ? 200 : 503, { ready: status.ready, reasons: status.readyReasons });
  });
  app.get('/status', (_req, reply) => json(reply, 200, sources.status()));
  app.get('/metrics', async (_req, reply) => {
    const text = await sources.metrics.text();
    return secure(reply).code(200).type(sources.metrics.contentType).send(sources.redactor.scrub(text));
  });

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
