import { reportError } from '@meshd/core';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHealthServer, parseListen } from './health.js';
import { DaemonMetrics } from './metrics.js';
import { credentialsOf, Redactor } from '../../output/redact.js';
import { emptyStatusState, foldReport, recordReconcile, type StatusState } from './status-state.js';
import { readinessReasons, statusFromReports, type MeshStatus } from './status.js';
import { recordingLogger, silentLogger } from '@meshd/testkit';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { clusterReport, passReport } from '@meshd/testkit';

const TOKEN = 'planted-token-4f9c2d7e1b8a6350';
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: east, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: admin, user: { token: ${TOKEN} } }]
contexts: [{ name: east, context: { cluster: east, user: admin } }]
current-context: east
`;

// fastify's inject sends `Host: localhost:80`: the server is told it listens there.
const INJECT_LISTEN = { host: '127.0.0.1', port: 80 };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function serve(state: StatusState, redactor = new Redactor()): FastifyInstance {
  const metrics = new DaemonMetrics({ queueDepth: () => 3, status: () => state }, { processMetrics: false });
  metrics.observeReconcile('east', 'converged', 250);
  const context = { directory: '/srv/clusters', startedAt: 0, backends: ['helm-template', 'tiller'] };
  app = buildHealthServer({ status: () => statusFromReports(state, context), metrics, redactor, logger: silentLogger(), listen: INJECT_LISTEN });
  return app;
}

const ready = (): StatusState => foldReport(emptyStatusState(), '*', passReport([clusterReport('cp'), clusterReport('east')]), 1000);

describe('health server routes', () => {
  it('answers /healthz at once and /readyz with 503 and reasons before the first reconcile', async () => {
    const server = serve(emptyStatusState());
    expect((await server.inject({ url: '/healthz' })).statusCode).toBe(200);
    const res = await server.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false, reasons: ['no reconcile has completed yet'] });
  });

  it('answers /readyz with 503 after a reconcile that could not reach the control plane', async () => {
    const down = clusterReport('cp', {
      reachable: false,
      state: 'unreachable',
      lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: timed out after 10 s'),
    });
    const state = recordReconcile(foldReport(emptyStatusState(), '@registry', passReport([down], { part: 'registry', converged: false }), 1000), {
      key: '@registry',
      at: 1000,
      durationMs: 10_000,
      outcome: 'error',
      error: reportError('MESHD_ERR_UNREACHABLE', 'cp: unreachable'),
    });
    const res = await serve(state).inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      ready: false,
      reasons: ['the control plane cp is unreachable since 1970-01-01T00:00:01.000Z: unreachable: timed out after 10 s'],
    });
  });

  it.each([
    ['before the first reconcile', emptyStatusState()],
    ['after a reconcile over a valid directory', ready()],
  ])('answers /readyz %s from the readiness source as /status says it, without building /status', async (_when, state) => {
    const metrics = new DaemonMetrics({ queueDepth: () => 0, status: () => state }, { processMetrics: false });
    const context = { directory: '/srv/clusters', startedAt: 0, backends: ['helm-template'] };
    let viewsBuilt = 0;
    const status = (): MeshStatus => {
      viewsBuilt += 1;
      return statusFromReports(state, context);
    };
    const reasons = (): string[] => readinessReasons(state, context);
    const readiness = (): { ready: boolean; readyReasons: string[] } => ({ ready: reasons().length === 0, readyReasons: reasons() });
    app = buildHealthServer({ status, readiness, metrics, redactor: new Redactor(), logger: silentLogger(), listen: INJECT_LISTEN });
    const answers = await Promise.all([1, 2, 3].map(() => app!.inject({ url: '/readyz' })));
    expect(viewsBuilt).toBe(0);
    const want = status();
    for (const res of answers) {
      expect(res.statusCode).toBe(want.ready ? 200 : 503);
      expect(res.json()).toEqual({ ready: want.ready, reasons: want.readyReasons });
    }
  });

  it('is ready after a reconcile over a valid directory and serves /status as JSON', async () => {
    const server = serve(ready());
    expect((await server.inject({ url: '/readyz' })).statusCode).toBe(200);
    const res = await server.inject({ url: '/status' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json<{ clusters: { name: string }[] }>().clusters.map((c) => c.name)).toEqual(['cp', 'east']);
  });

  it('serves Prometheus metrics from its own registry', async () => {
    const res = await serve(ready()).inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('meshd_reconciles_total{cluster="east",result="converged"} 1');
    expect(res.body).toContain('meshd_reconcile_duration_seconds_bucket{le="0.25",cluster="east",result="converged"} 1');
    expect(res.body).toContain('meshd_queue_depth 3');
    expect(res.body).toContain('meshd_cluster_reachable{cluster="east"} 1');
    expect(res.body).toContain('meshd_files_in_error 0');
  });

  it('counts files in error and the time of the last successful reconcile', async () => {
    const finding = (file: string) => ({ file, line: 1, col: 1, severity: 'error' as const, message: 'bad' });
    let state = foldReport(
      emptyStatusState(),
      'registry',
      passReport([clusterReport('cp')], { directoryValid: false, findings: [finding('a.yaml'), finding('a.yaml'), finding('b.yaml')] }),
      1000,
    );
    state = recordReconcile(state, { key: 'east', at: 1_767_225_600_000, durationMs: 5, outcome: 'success', converged: true });
    const body = (await serve(state).inject({ url: '/metrics' })).body;
    expect(body).toContain('meshd_files_in_error 2');
    expect(body).toContain('meshd_last_successful_reconcile_timestamp_seconds 1767225600');
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await serve(ready()).inject({ method: 'HEAD', url: '/status' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });
});

describe('health server: malformed and unexpected requests', () => {
  it.each(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const)('rejects %s on a known path with 405 and Allow', async (method) => {
    const res = await serve(ready()).inject({ method, url: '/status', payload: method === 'OPTIONS' ? undefined : '{}' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });

  it('returns 404 for unknown paths, including traversal attempts', async () => {
    const server = serve(ready());
    for (const url of ['/admin', '/index.html', '/page.js/x', '/status/../metrics/x', '/healthz/extra', '/..%2f..%2fetc%2fpasswd']) {
      expect((await server.inject({ url })).statusCode, url).toBe(404);
    }
  });

  it('ignores weird query strings', async () => {
    const server = serve(ready());
    for (const url of ['/status?', '/status?a=1&a=2&b', '/status?%zz=%', '/readyz?x=' + 'y'.repeat(4000), '/metrics?__proto__[x]=1']) {
      expect((await server.inject({ url })).statusCode, url).toBe(200);
    }
  });

  it('answers a malformed URL with a 4xx, never a 500', async () => {
    const res = await serve(ready()).inject({ url: '/stat%us' });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });
});

describe('health server: the Host check against DNS rebinding', () => {
  /** A server told it listens on 127.0.0.1:9580 (inject's default Host localhost:80 is then refused too). */
  function guarded(allowedHosts: string[] = []): { server: FastifyInstance; logs: ReturnType<typeof recordingLogger> } {
    const logs = recordingLogger();
    const state = ready();
    const metrics = new DaemonMetrics({ queueDepth: () => 0, status: () => state }, { processMetrics: false });
    app = buildHealthServer({
      status: () => statusFromReports(state, { directory: '/srv/clusters', startedAt: 0, backends: ['helm-template', 'tiller'] }),
      metrics,
      redactor: new Redactor(),
      logger: logs,
      listen: { host: '127.0.0.1', port: 9580 },
      allowedHosts: () => allowedHosts,
    });
    return { server: app, logs };
  }

  const HOSTILE = [
    'evil.example',
    'evil.example:9580',
    '127.0.0.1.evil.example:9580',
    'localhost:9581',
    'localhost:80',
    `${'x'.repeat(20_000)}.example:9580`,
    'localhost:9580, evil.example',
  ];

  it('refuses every path with 421 and a JSON body saying which Host it answers to, for each hostile Host', async () => {
    const { server } = guarded();
    for (const host of HOSTILE) {
      for (const url of ['/', '/status', '/events', '/metrics', '/healthz', '/page.js', '/nowhere']) {
        const res = await server.inject({ url, headers: { host } });
        expect(res.statusCode, `${host.slice(0, 40)} ${url}`).toBe(421);
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(res.json()).toEqual({
          error: 'misdirected request: the Host header does not name this server',
          detail: 'this server answers to the Host localhost, 127.0.0.1 or [::1] with port 9580; set allowedHosts in meshd.yaml to add a name',
        });
        expect(res.body).not.toContain('"clusters"');
      }
    }
    expect((await server.inject({ method: 'HEAD', url: '/status', headers: { host: 'evil.example:9580' } })).statusCode).toBe(421);
    expect((await server.inject({ method: 'POST', url: '/status', headers: { host: 'evil.example:9580' }, payload: '{}' })).statusCode).toBe(421);
  });

  it('serves loopback names with its port, and allowedHosts', async () => {
    const { server } = guarded(['meshd.example.internal']);
    for (const host of ['localhost:9580', '127.0.0.1:9580', '[::1]:9580', 'meshd.example.internal', 'meshd.example.internal:443']) {
      expect((await server.inject({ url: '/status', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('counts refusals in /metrics and logs the first one (then at most one a minute), never the whole header', async () => {
    const { server, logs } = guarded();
    for (const host of HOSTILE) await server.inject({ url: '/status', headers: { host } });
    const metrics = await server.inject({ url: '/metrics', headers: { host: '127.0.0.1:9580' } });
    expect(metrics.body).toContain(`meshd_http_refused_requests_total{reason="host"} ${HOSTILE.length}`);
    const warnings = logs.entries.filter((e) => e.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      msg: 'refused a request whose Host header does not name this server (DNS rebinding?)',
      obj: { host: 'evil.example', path: '/status' },
    });
    expect(logs.lines().every((l) => l.length < 1000)).toBe(true);
  });

  it('refuses a request without a Host header (HTTP/1.0) with 421, and HTTP/1.1 without one never reaches a route', async () => {
    const { server } = guarded();
    await server.listen({ host: '127.0.0.1', port: 0 });
    const port = (server.server.address() as AddressInfo).port;
    const raw = (request: string): Promise<string> =>
      new Promise((done, fail) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(request));
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
        });
        socket.on('end', () => done(text));
        socket.on('error', fail);
      });
    const http10 = await raw('GET /status HTTP/1.0\r\n\r\n');
    expect(http10).toMatch(/^HTTP\/1\.[01] 421 /);
    expect(http10).toContain('misdirected request');
    expect(await raw('GET /status HTTP/1.1\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw(`GET /status HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 /);
  });
});

describe('credentials never leave the daemon', () => {
  it('finds the token, password, key and provider secrets of a kubeconfig', () => {
    const key = Buffer.from('-----BEGIN KEY-----\nMIIEowIBAAKCAQEAxxxxxxxxxxxxxxxx\n-----END KEY-----\n').toString('base64');
    const text = `users:\n- name: a\n  user: { token: ${TOKEN}, password: hunter2hunter2, client-key-data: ${key} }\n- name: b\n  user: { auth-provider: { config: { id-token: idtok-123456789 } } }\n`;
    expect(credentialsOf(text)).toEqual([TOKEN, 'hunter2hunter2', key, 'MIIEowIBAAKCAQEAxxxxxxxxxxxxxxxx', 'idtok-123456789']);
  });

  it('keeps a token planted in a kubeconfig out of /status and /metrics even if an error message quoted it', async () => {
    const redactor = new Redactor();
    redactor.addKubeconfig(KUBECONFIG);
    const leaky = clusterReport('east', {
      reachable: false,
      state: 'unreachable',
      lastError: reportError('MESHD_ERR_UNAUTHORIZED', `401 Unauthorized for Bearer ${TOKEN}`),
    });
    const state = foldReport(
      emptyStatusState(),
      TOKEN,
      passReport([clusterReport('cp'), leaky], {
        errors: [reportError('MESHD_ERR_INVALID_DIRECTORY', `token ${TOKEN}`)],
        mesh: { kubeconfigText: KUBECONFIG } as never,
      }),
      1000,
    );
    const server = serve(state, redactor);
    for (const url of ['/status', '/metrics', '/readyz', '/healthz']) {
      const res = await server.inject({ url });
      expect(res.body, url).not.toContain(TOKEN);
    }
    expect((await server.inject({ url: '/status' })).body).toContain('Bearer [redacted]');
  });
});

describe('parseListen', () => {
  it('parses HOST:PORT and bracketed IPv6, rejects the rest', () => {
    expect(parseListen('127.0.0.1:9580')).toEqual({ host: '127.0.0.1', port: 9580 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('localhost')).toBeUndefined();
    expect(parseListen('1.2.3.4:70000')).toBeUndefined();
  });
});
