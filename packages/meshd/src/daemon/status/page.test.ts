import { reportError } from '@meshd/core';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHealthServer, listenHealthServer, PAGE_CSP } from './health.js';
import { DaemonMetrics } from './metrics.js';
import { Redactor } from '../../output/redact.js';
import { emptyStatusState, foldReport, type StatusState } from './status-state.js';
import { StatusFeed, type PageView } from './status-feed.js';
import { statusFromReports, timelineView } from './status.js';
import { silentLogger } from '@meshd/testkit';
import { clusterReport, passReport } from '@meshd/testkit';

const TOKEN = 'planted-token-9d1e77a0c3b54f12';

// fastify's inject sends `Host: localhost:80`: the server is told it listens there.
const INJECT_LISTEN = { host: '127.0.0.1', port: 80 };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A health server over a mutable state, with its feed (fast coalescing so tests do not wait). */
function serve(box: { state: StatusState }, redactor = new Redactor()): { server: FastifyInstance; feed: StatusFeed } {
  const metrics = new DaemonMetrics({ queueDepth: () => 0, status: () => box.state }, { processMetrics: false });
  const status = () => statusFromReports(box.state, { directory: '/srv/clusters', startedAt: 0, backends: ['helm-template', 'tiller'] });
  const feed = new StatusFeed({ status, redactor, coalesceMs: 5, pollMs: 60_000 });
  app = buildHealthServer({ status, metrics, redactor, logger: silentLogger(), feed, listen: INJECT_LISTEN });
  return { server: app, feed };
}

const mesh = (pilot = '192.0.2.5'): StatusState =>
  foldReport(
    emptyStatusState(),
    'east',
    passReport([clusterReport('cp'), clusterReport('east')], { part: 'clusters', endpoints: { pilot, policy: '192.0.2.6', statsd: '192.0.2.7' } }),
    1000,
  );

/** Reads Server-Sent Events `view` from a stream until `want` accepts one. */
async function nextView(reader: ReadableStreamDefaultReader<Uint8Array>, want: (v: PageView) => boolean, buffer: { text: string }): Promise<PageView> {
  const decoder = new TextDecoder();
  for (;;) {
    const events = buffer.text.split('\n\n');
    buffer.text = events.pop() ?? '';
    for (const event of events) {
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (!event.includes('event: view') || data === undefined) continue;
      const view = JSON.parse(data) as PageView;
      if (want(view)) return view;
    }
    const { value, done } = await reader.read();
    if (done) throw new Error('the event stream ended');
    buffer.text += decoder.decode(value, { stream: true });
  }
}

describe('the status page routes', () => {
  it('serves the page, its script and its style with a strict same-origin policy', async () => {
    const { server } = serve({ state: mesh() });
    const page = await server.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(PAGE_CSP).toContain("script-src 'self'");
    expect(PAGE_CSP).not.toContain('unsafe-inline');
    expect(page.body).toContain('<script src="/page.js" defer></script>');
    // Nothing inline the policy would have to allow: no <script> body, no style attribute, no on* handler.
    expect(page.body).not.toMatch(/<script[^>]*>[^<]+<\/script>|\sstyle=|\son[a-z]+=/i);
    expect(page.body).not.toMatch(/https?:\/\//);
    const js = await server.inject({ url: '/page.js' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain("new EventSource('/events')");
    expect(js.body).not.toContain('innerHTML');
    expect((await server.inject({ url: '/page.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'] as const)('rejects %s on the page and the stream with 405', async (method) => {
    const { server } = serve({ state: mesh() });
    for (const url of ['/', '/events', '/page.js']) {
      const res = await server.inject({ method, url, payload: 'x' });
      expect(res.statusCode, url).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
    }
  });

  it('answers HEAD on the page and the stream without a body', async () => {
    const { server } = serve({ state: mesh() });
    for (const url of ['/', '/events']) {
      const res = await server.inject({ method: 'HEAD', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toBe('');
    }
  });

  it('answers huge and odd paths with a clear 4xx', async () => {
    const { server } = serve({ state: mesh() });
    for (const url of [`/${'a'.repeat(8000)}`, '/%00', '/%2e%2e/%2e%2e/etc/passwd', '//events', '/events%00', '/\u00e9v\u00e9nements']) {
      const res = await server.inject({ url });
      expect(res.statusCode, url.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url.slice(0, 40)).toBeLessThan(500);
    }
  });
});

describe('GET /events', () => {
  it('sends the view at once and again within a second of a change, scrubbed, with a timeline entry for the move', async () => {
    const redactor = new Redactor();
    redactor.add([TOKEN]);
    const box = { state: mesh() };
    const { server, feed } = serve(box, redactor);
    const url = await listenHealthServer(server, { host: '127.0.0.1', port: 0 });
    const res = await fetch(`${url}/events`);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const buffer = { text: '' };
    const first = await nextView(reader, () => true, buffer);
    expect(first.status.clusters.map((c) => c.name)).toEqual(['cp', 'east']);
    expect(feed.clientCount()).toBe(1);

    const before = timelineView(box.state, ['cp', 'east'], ['helm-template', 'tiller']);
    const leaky = clusterReport('east', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_UNREACHABLE', `Bearer ${TOKEN} refused`) });
    box.state = foldReport(
      box.state,
      'east',
      passReport([clusterReport('cp'), leaky], { endpoints: { pilot: '192.0.2.9', policy: '192.0.2.6', statsd: '192.0.2.7' } }),
      2000,
    );
    feed.record(before, timelineView(box.state, ['cp', 'east'], ['helm-template', 'tiller']));
    const next = await nextView(reader, (v) => v.status.endpoints?.pilot === '192.0.2.9', buffer);
    expect(JSON.stringify(next)).not.toContain(TOKEN);
    expect(next.timeline.map((e) => e.text)).toContain('Pilot moved 192.0.2.5 → 192.0.2.9');
    expect(next.timeline.find((e) => e.cluster === 'east' && e.kind === 'state')?.problem).toBe(true);
    await reader.cancel();
  });

  it('refuses more streams than it holds with 503', async () => {
    const box = { state: mesh() };
    const metrics = new DaemonMetrics({ queueDepth: () => 0, status: () => box.state }, { processMetrics: false });
    const status = () => statusFromReports(box.state, { directory: '/d', startedAt: 0, backends: ['helm-template', 'tiller'] });
    const redactor = new Redactor();
    const feed = new StatusFeed({ status, redactor, maxClients: 1, pollMs: 60_000 });
    app = buildHealthServer({ status, metrics, redactor, logger: silentLogger(), feed });
    const url = await listenHealthServer(app, { host: '127.0.0.1', port: 0 });
    const first = await fetch(`${url}/events`);
    expect(first.status).toBe(200);
    const second = await fetch(`${url}/events`);
    expect(second.status).toBe(503);
    await first.body?.cancel();
  });
});
