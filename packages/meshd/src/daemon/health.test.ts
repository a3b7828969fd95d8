import { reportError } from '@meshd/core';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildHealthServer, parseListen } from './health.js';
import { DaemonMetrics } from './metrics.js';
import { credentialsOf, Redactor } from '../output/redact.js';
import { emptyStatusState, foldReport, recordReconcile, type StatusState } from './status-state.js';
import { statusFromReports } from './status.js';
import { silentLogger } from '@meshd/testkit';
import { clusterReport, passReport } from '@meshd/testkit';

const TOKEN = 'planted-token-4f9c2d7e1b8a6350';
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: east, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: admin, user: { token: ${TOKEN} } }]
contexts: [{ name: east, context: { cluster: east, user: admin } }]
current-context: east
`;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function serve(state: StatusState, redactor = new Redactor()): FastifyInstance {
  const metrics = new DaemonMetrics({ queueDepth: () => 3, status: () => state }, { processMetrics: false });
  metrics.observeReconcile('east', 'converged', 250);
  const context = { directory: '/srv/clusters', startedAt: 0 };
  app = buildHealthServer({ status: () => statusFromReports(state, context), metrics, redactor, logger: silentLogger() });
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
    const down = clusterReport('cp', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: timed out after 10 s') });
    const state = recordReconcile(foldReport(emptyStatusState(), '@all', passReport([down], { converged: false }), 1000), { key: '@all', at: 1000, durationMs: 10_000, outcome: 'error', error: reportError('MESHD_ERR_UNREACHABLE', 'cp: unreachable') });
    const res = await serve(state).inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ ready: false, reasons: ['the control plane cp is unreachable since 1970-01-01T00:00:01.000Z: unreachable: timed out after 10 s'] });
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
    let state = foldReport(emptyStatusState(), 'registry', passReport([clusterReport('cp')], { directoryValid: false, findings: [finding('a.yaml'), finding('a.yaml'), finding('b.yaml')] }), 1000);
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

describe('credentials never leave the daemon', () => {
  it('finds the token, password, key and provider secrets of a kubeconfig', () => {
    const key = Buffer.from('-----BEGIN KEY-----\nMIIEowIBAAKCAQEAxxxxxxxxxxxxxxxx\n-----END KEY-----\n').toString('base64');
    const text = `users:\n- name: a\n  user: { token: ${TOKEN}, password: hunter2hunter2, client-key-data: ${key} }\n- name: b\n  user: { auth-provider: { config: { id-token: idtok-123456789 } } }\n`;
    expect(credentialsOf(text)).toEqual([TOKEN, 'hunter2hunter2', key, 'MIIEowIBAAKCAQEAxxxxxxxxxxxxxxxx', 'idtok-123456789']);
  });

  it('keeps a token planted in a kubeconfig out of /status and /metrics even if an error message quoted it', async () => {
    const redactor = new Redactor();
    redactor.addKubeconfig(KUBECONFIG);
    const leaky = clusterReport('east', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_UNAUTHORIZED', `401 Unauthorized for Bearer ${TOKEN}`) });
    const state = foldReport(emptyStatusState(), TOKEN, passReport([clusterReport('cp'), leaky], { errors: [reportError('MESHD_ERR_INVALID_DIRECTORY', `token ${TOKEN}`)], mesh: { kubeconfigText: KUBECONFIG } as never }), 1000);
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
