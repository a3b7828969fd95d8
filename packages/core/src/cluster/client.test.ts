// connectCluster against small local HTTP servers (no Kubernetes needed): what a hung API server,
// a 401 and a failing exec credential plugin look like to the caller.
import { getEventListeners } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hasCode } from '../errors.js';
import { connectCluster } from './client.js';
import { clusterFailureOf } from './failure.js';
import { FAIL_FAST_MS } from './request-limit.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((done) => server?.close(done) ?? done(undefined));
  server = undefined;
});

/** A local HTTP server answering every request with `handler`; resolves with its URL. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((done) => server?.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
}

function kubeconfig(url: string, user: Record<string, unknown>): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'c',
    clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
  });
}

describe('connectCluster errors say what they are', () => {
  it('a request the API server never answers: "GET /version timed out after 200 ms" (MESHD_ERR_TIMEOUT)', async () => {
    const url = await serve(() => undefined);
    const client = connectCluster({ name: 'east', kubeconfigText: kubeconfig(url, { token: 'tok-0123456789' }), timeoutMs: 200 });
    const err = await client.version.getCode().catch((e: unknown) => e);
    expect(hasCode(err, 'MESHD_ERR_TIMEOUT')).toBe(true);
    expect((err as Error).message).toBe('GET /version timed out after 200 ms');
    expect(clusterFailureOf(err)).toEqual({ code: 'MESHD_ERR_TIMEOUT', state: 'unreachable', message: 'unreachable: GET /version timed out after 200 ms' });
  });

  it('a wrong token: "401 Unauthorized" (MESHD_ERR_UNAUTHORIZED), not unreachable', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="kubernetes-master"' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
    });
    const client = connectCluster({ name: 'east', kubeconfigText: kubeconfig(url, { token: 'wrong-token-0123456789' }) });
    const err = await client.version.getCode().catch((e: unknown) => e);
    expect(clusterFailureOf(err)).toEqual({ code: 'MESHD_ERR_UNAUTHORIZED', state: 'unauthorized', message: '401 Unauthorized' });
  });

  it('an exec plugin that fails: "exec plugin failed: <first line of its stderr>" (MESHD_ERR_EXEC_PLUGIN), and no request is sent', async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      res.end('{}');
    });
    const exec = {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: '/bin/sh',
      args: ['-c', 'echo "error: token expired, run login" >&2; echo "second line" >&2; exit 1'],
      interactiveMode: 'Never',
    };
    const client = connectCluster({ name: 'east', kubeconfigText: kubeconfig(url, { exec }) });
    const err = await client.version.getCode().catch((e: unknown) => e);
    expect(clusterFailureOf(err)).toEqual({
      code: 'MESHD_ERR_EXEC_PLUGIN',
      state: 'unauthorized',
      message: 'exec plugin failed: error: token expired, run login',
    });
    expect(requests).toBe(0);
  });

  it('a cluster that stopped answering costs one timeout: the next requests fail at once ("not sent"), then one is tried, and an answer ends it', async () => {
    let answering = false;
    let received = 0;
    const url = await serve((_req, res) => {
      received++;
      if (answering) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ major: '1', minor: '34', gitVersion: 'v1.34.4' }));
    });
    const client = connectCluster({ name: 'east', kubeconfigText: kubeconfig(url, { token: 'tok-0123456789' }), timeoutMs: 200 });
    const first = await client.version.getCode().catch((e: unknown) => e);
    expect((first as Error).message).toBe('GET /version timed out after 200 ms');
    const second = await client.core.listNode().catch((e: unknown) => e);
    expect(hasCode(second, 'MESHD_ERR_TIMEOUT')).toBe(true);
    expect((second as Error).message).toBe('GET /api/v1/nodes not sent: GET /version timed out after 200 ms and nothing has answered since');
    expect(received).toBe(1);
    answering = true;
    await new Promise((done) => setTimeout(done, FAIL_FAST_MS + 100));
    expect((await client.version.getCode()).gitVersion).toBe('v1.34.4');
    expect((await client.version.getCode()).gitVersion).toBe('v1.34.4');
    expect(received).toBe(3);
  });

  it("a caller that gives up sooner than the client's time limit (a watch's 1.5 s probe) does not make a slow cluster silent: the next request is sent and answered", async () => {
    let received = 0;
    const url = await serve((_req, res) => {
      received++;
      // Answers, slowly: a loaded API server, or one far away.
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ gitVersion: 'v1.34.4' })), 300);
    });
    const client = connectCluster({ name: 'east', kubeconfigText: kubeconfig(url, { token: 'tok-0123456789' }), timeoutMs: 2000 });
    const probe = AbortSignal.timeout(100);
    const first = await client.version.getCode(undefined, { signal: probe }).catch((e: unknown) => e);
    expect(hasCode(first, 'MESHD_ERR_TIMEOUT')).toBe(true);
    expect((first as Error).message).toBe("GET /version timed out (the caller's time limit)");
    // Before: the probe's own short deadline counted as the cluster's silence ("not sent: GET
    // /version timed out after 2 s"), so a cluster answering in 300 ms looked dead to every probe.
    expect((await client.version.getCode()).gitVersion).toBe('v1.34.4');
    expect(received).toBe(2);
  });

  it("requests refused while a cluster is silent leave nothing on the caller's signal, and a timed-out request leaves no connection open", async () => {
    const url = await serve(() => undefined);
    const daemon = new AbortController();
    const client = connectCluster({ name: 'east', kubeconfigText: kubeconfig(url, { token: 'tok-0123456789' }), timeoutMs: 200, signal: daemon.signal });
    await client.version.getCode().catch((e: unknown) => e);
    for (let i = 0; i < 20; i++) expect(hasCode(await client.core.listNode().catch((e: unknown) => e), 'MESHD_ERR_TIMEOUT')).toBe(true);
    // A daemon's signal lives as long as the daemon: each refused request used to leave its
    // timer's listener (and an AbortController, a DOMException…) on it for good.
    expect(getEventListeners(daemon.signal, 'abort')).toHaveLength(0);
    await new Promise((done) => setTimeout(done, 200));
    const open = await new Promise<number>((done) => server?.getConnections((_e, n) => done(n)));
    expect(open).toBe(0);
  });
});
