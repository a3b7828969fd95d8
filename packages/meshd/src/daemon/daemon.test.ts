import { reportError } from '@meshd/core';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { meshdConfigSchemaFor, type MeshdConfig, type PassOptions, type PassReport } from '@meshd/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Daemon } from './daemon.js';
import { createDaemonLogger } from './process/logger.js';
import { Redactor } from '../output/redact.js';
import { clusterReport, passReport } from '@meshd/testkit';

const TOKEN = 'planted-daemon-token-7a61c0d9e2';
const descriptor = (name: string, cp: boolean): string => `apiVersion: clusterregistry.k8s.io/v1alpha1
kind: Cluster
metadata:
  name: ${name}
  annotations:
    config.istio.io/pilotEndpoint: "192.0.2.1:9080"
    config.istio.io/platform: "Kubernetes"
    config.istio.io/pilotCfgStore: "${cp}"
    config.istio.io/accessConfigFile: ${name}.kube.conf
`;
const kubeconfig = (name: string, port: number, token = `token-of-${name}-000`): string => `apiVersion: v1
kind: Config
clusters: [{ name: ${name}, cluster: { server: "https://127.0.0.1:${port}" } }]
users: [{ name: admin, user: { token: ${token} } }]
contexts: [{ name: ${name}, context: { cluster: ${name}, user: admin } }]
current-context: ${name}
`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Call {
  /** The key the pass ran for: a remote's name, or @registry. */
  key: string;
  scope: string[] | undefined;
  at: number;
}

let dir: string;
let daemon: Daemon | undefined;
let logs: string[];
let calls: Call[];
let behaviour: (opts: PassOptions) => Promise<PassReport>;

function keyOf(opts: PassOptions): string {
  return opts.part === 'registry' ? '@registry' : [...(opts.scope ?? [])].join(',');
}

/** What runPass reports for the part a key asks for: a cluster key its cluster (no registry), the registry key the control plane and the registry. */
function converged(opts: PassOptions): Promise<PassReport> {
  if (opts.part === 'registry') return Promise.resolve(passReport([clusterReport('cp')], { part: 'registry' }));
  const { registry: _none, ...report } = passReport([clusterReport('cp'), ...[...(opts.scope ?? [])].map((n) => clusterReport(n))], {
    part: 'clusters',
    membershipChanged: false,
  });
  return Promise.resolve(report);
}

const registryCalls = (): Call[] => calls.filter((c) => c.key === '@registry');

async function startDaemon(configOverrides: Record<string, unknown> = {}, reload?: () => Promise<MeshdConfig>): Promise<string> {
  const config = meshdConfigSchemaFor().parse({ directory: dir, resync: '1h', ...configOverrides });
  const sink = new Writable({
    write(chunk, _e, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const redactor = new Redactor();
  daemon = new Daemon({
    config,
    loadConfig: reload ?? (() => Promise.resolve(config)),
    logger: createDaemonLogger({ destination: sink, redactor, pretty: false, level: 'debug' }),
    redactor,
    listen: { host: '127.0.0.1', port: 0 },
    plugins: [],
    debounceMs: 200,
    runPass: (opts) => {
      calls.push({ key: keyOf(opts), scope: opts.scope ? [...opts.scope] : undefined, at: Date.now() });
      return behaviour(opts);
    },
  });
  return daemon.start();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'meshd-daemon-'));
  logs = [];
  calls = [];
  behaviour = converged;
  await writeFile(join(dir, 'cp.yaml'), descriptor('cp', true));
  await writeFile(join(dir, 'cp.kube.conf'), kubeconfig('cp', 1));
  await writeFile(join(dir, 'east.yaml'), descriptor('east', false));
  await writeFile(join(dir, 'east.kube.conf'), kubeconfig('east', 2, TOKEN));
  await writeFile(join(dir, 'west.yaml'), descriptor('west', false));
  await writeFile(join(dir, 'west.kube.conf'), kubeconfig('west', 3));
});

afterEach(async () => {
  await daemon?.shutdown('test over');
  daemon = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('Daemon', () => {
  it('starts with every remote key and the registry key, then becomes ready and serves /status', async () => {
    const url = await startDaemon();
    await until('first passes', () => calls.length === 3);
    await daemon?.queue.whenIdle();
    expect(calls.map((c) => c.key).sort()).toEqual(['@registry', 'east', 'west']);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    const status = (await (await fetch(`${url}/status`)).json()) as { clusters: { name: string; state: string }[]; registry?: { state: string } };
    expect(status.clusters.map((c) => [c.name, c.state])).toEqual([
      ['cp', 'converged'],
      ['east', 'converged'],
      ['west', 'converged'],
    ]);
    // The registry key's registry stays on /status whichever key reported last.
    expect(status.registry?.state).toBe('in-sync');
  });

  it('reconciles only the cluster whose kubeconfig changed', async () => {
    await startDaemon();
    await until('first passes', () => calls.length === 3);
    await daemon?.queue.whenIdle();
    await writeFile(join(dir, 'west.kube.conf'), kubeconfig('west', 4));
    await until('west pass', () => calls.length === 4, 5000);
    await sleep(300);
    await daemon?.queue.whenIdle();
    // Its pass said membership did not change: the registry key is not run again.
    expect(calls.slice(3).map((c) => c.key)).toEqual(['west']);
  });

  it('runs the registry key after a remote key whose report says membership changed, once for a burst', async () => {
    behaviour = async (opts) => {
      const report = await converged(opts);
      if (opts.part === 'clusters') await sleep(100);
      return opts.part === 'clusters' ? { ...report, membershipChanged: true } : report;
    };
    await startDaemon();
    await until('first passes', () => calls.length >= 3);
    await daemon?.queue.whenIdle();
    const from = calls.length;
    await writeFile(join(dir, 'east.kube.conf'), kubeconfig('east', 20, TOKEN));
    await writeFile(join(dir, 'west.kube.conf'), kubeconfig('west', 30));
    await until('the registry key after them', () => calls.slice(from).some((c) => c.key === '@registry'), 5000);
    await sleep(500);
    await daemon?.queue.whenIdle();
    const keys = calls.slice(from).map((c) => c.key);
    expect(keys.filter((k) => k !== '@registry').sort()).toEqual(['east', 'west']);
    expect(keys.at(-1)).toBe('@registry');
    expect(keys.filter((k) => k === '@registry').length).toBeLessThanOrEqual(2);
  });

  it('runs the registry key again when a credential waited for a remote that converged meanwhile, and is ready only after that run', async () => {
    let url = '';
    let readyDuringRerun: number | undefined;
    behaviour = async (opts) => {
      const report = await converged(opts);
      if (opts.part === 'clusters') await sleep(opts.scope?.has('east') === true ? 300 : 0);
      if (opts.part !== 'registry') return report;
      if (registryCalls().length === 1) return { ...report, awaitingInstall: ['east'] };
      readyDuringRerun = (await fetch(`${url}/readyz`)).status;
      return report;
    };
    url = await startDaemon();
    await until('the registry key twice', () => registryCalls().length === 2, 5000);
    await sleep(300);
    await daemon?.queue.whenIdle();
    expect(registryCalls()).toHaveLength(2);
    expect(readyDuringRerun).toBe(503);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('does not loop on a credential that keeps waiting for a remote converged before the registry key started', async () => {
    behaviour = async (opts) => {
      const report = await converged(opts);
      if (opts.part === 'registry') await sleep(100);
      return opts.part === 'registry' ? { ...report, awaitingInstall: ['east'] } : report;
    };
    await startDaemon();
    await until('first passes', () => calls.length >= 3);
    await sleep(1000);
    await daemon?.queue.whenIdle();
    expect(registryCalls().length).toBeLessThanOrEqual(2);
  });

  it('turns 50 rapid writes to one descriptor into at most 3 reconciles of that cluster (from /metrics)', async () => {
    const url = await startDaemon();
    await until('first passes', () => calls.length === 3);
    await daemon?.queue.whenIdle();
    for (let i = 0; i < 50; i++) {
      await writeFile(join(dir, 'east.yaml'), `${descriptor('east', false)}# edit ${i}\n`);
      await sleep(4);
    }
    await sleep(2000);
    await daemon?.queue.whenIdle();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const eastReconciles = /meshd_reconciles_total\{cluster="east",result="converged"\} (\d+)/.exec(metrics)?.[1];
    expect(Number(eastReconciles)).toBeGreaterThanOrEqual(1);
    expect(Number(eastReconciles)).toBeLessThanOrEqual(3);
  });

  it('retries an unreachable cluster on its own key, then waits for it to answer instead of hammering it, without holding the others back', async () => {
    let eastDown = true;
    behaviour = async (opts) => {
      const report = await converged(opts);
      if (eastDown)
        report.clusters = report.clusters.map((c) =>
          c.name === 'east'
            ? clusterReport('east', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: ECONNREFUSED') })
            : c,
        );
      return report;
    };
    const url = await startDaemon();
    await until('east retried', () => calls.some((c) => c.scope?.[0] === 'east'), 5000);
    await sleep(2000);
    // Still unreachable on its own key: no backoff retries into the dead link (its watches probe it).
    expect(calls.filter((c) => c.scope?.[0] === 'east')).toHaveLength(1);
    eastDown = false;
    daemon?.queue.add('east'); // what its watches do once it answers
    await until(
      'east retried again',
      () => calls.filter((c) => c.scope?.[0] === 'east').length >= 2 && daemon?.status().clusters.find((c) => c.name === 'east')?.reachable === true,
      10_000,
    );
    const status = (await (await fetch(`${url}/status`)).json()) as { clusters: { name: string; reachable: boolean }[] };
    expect(status.clusters.find((c) => c.name === 'west')?.reachable).toBe(true);
  });

  it('stays unready (503) while no reconcile has reached the control plane, ready once one has', async () => {
    let cpDown = true;
    behaviour = async (opts) => {
      if (!cpDown) return converged(opts);
      return passReport(
        [clusterReport('cp', { reachable: false, state: 'unreachable', lastError: reportError('MESHD_ERR_UNREACHABLE', 'unreachable: timed out after 10 s') })],
        { converged: false, endpoints: undefined },
      );
    };
    const url = await startDaemon();
    await until('a failed reconcile', () => daemon?.status().lastReconcile?.result === 'error');
    const readyz = await fetch(`${url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { reasons: string[] }).reasons).toEqual([
      expect.stringMatching(/^the control plane cp is unreachable since .*: unreachable: timed out after 10 s$/),
    ]);
    cpDown = false;
    await until('the retry reached the control plane', () => daemon?.status().ready === true, 10_000);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('never lets a planted token reach /status, /metrics or the logs', async () => {
    behaviour = async (opts) => {
      const report = await converged(opts);
      report.clusters = report.clusters.map((c) =>
        c.name === 'east' ? clusterReport('east', { state: 'error', lastError: reportError('MESHD_ERR_UNAUTHORIZED', `401: token ${TOKEN} rejected`) }) : c,
      );
      return report;
    };
    const url = await startDaemon();
    await until('a failed reconcile logged', () => logs.some((l) => l.includes('rejected')), 5000);
    for (const path of ['/status', '/metrics', '/readyz']) expect(await (await fetch(`${url}${path}`)).text(), path).not.toContain(TOKEN);
    expect(logs.join('')).not.toContain(TOKEN);
    expect(logs.join('')).toContain('[redacted]');
  });

  it('does not start on a busy port: the failure names the health server, and nothing it started keeps running', async () => {
    const url = await startDaemon();
    await until('first passes', () => calls.length === 3);
    const before = calls.length;
    const config = meshdConfigSchemaFor().parse({ directory: dir, resync: '1h' });
    const redactor = new Redactor();
    const second = new Daemon({
      config,
      loadConfig: () => Promise.resolve(config),
      logger: createDaemonLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }), redactor, pretty: false }),
      redactor,
      listen: { host: '127.0.0.1', port: Number(new URL(url).port) },
      plugins: [],
      runPass: (opts) => {
        calls.push({ key: `second:${keyOf(opts)}`, scope: undefined, at: Date.now() });
        return converged(opts);
      },
    });
    await expect(second.start()).rejects.toThrow(/^cannot start health server: .*(EADDRINUSE|address already in use)/);
    // The second daemon never watched the directory nor reconciled: a new file reaches only the first.
    await writeFile(join(dir, 'north.yaml'), descriptor('north', false));
    await writeFile(join(dir, 'north.kube.conf'), kubeconfig('north', 4));
    await until('north reconciled by the first daemon', () => calls.some((c) => c.key === 'north'));
    expect(calls.slice(before).filter((c) => c.key.startsWith('second:'))).toEqual([]);
    await second.shutdown('test over');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('lets the reconcile in flight finish on shutdown', async () => {
    let finished = false;
    behaviour = async (opts) => {
      await sleep(500);
      finished = true;
      return converged(opts);
    };
    await startDaemon();
    await until('pass started', () => calls.length >= 1);
    const started = Date.now();
    await daemon?.shutdown('SIGTERM');
    expect(finished).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    daemon = undefined;
  });

  it('says on /readyz that the directory is gone after rm -rf, and re-reads it once it is back', async () => {
    const url = await startDaemon();
    await until('first passes', () => calls.length === 3);
    await daemon?.queue.whenIdle();
    await rm(dir, { recursive: true, force: true });
    await until('the directory reported gone', () => daemon?.status().readyReasons.some((r) => r.endsWith('does not exist')) === true);
    const readyz = await fetch(`${url}/readyz`);
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { reasons: string[] }).reasons).toContain(`the cluster directory ${dir} does not exist`);
    expect(logs.filter((l) => l.includes('cluster directory is gone'))).toHaveLength(1);
    const passes = calls.length;
    await mkdir(dir);
    await writeFile(join(dir, 'cp.yaml'), descriptor('cp', true));
    await writeFile(join(dir, 'cp.kube.conf'), kubeconfig('cp', 1));
    await until('the directory reported back', () => logs.some((l) => l.includes('cluster directory is back')));
    await until('a pass after the restore', () => calls.length > passes);
    await daemon?.queue.whenIdle();
    await until('ready again', () => daemon?.status().ready === true);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('keeps the running config when a reload fails, and applies a good one', async () => {
    let next: () => Promise<MeshdConfig> = () => Promise.reject(new Error('meshd.yaml:3:1: error: unknown key "resyncc"'));
    await startDaemon({}, () => next());
    await until('first passes', () => calls.length === 3);
    expect(await daemon?.reload()).toBe(false);
    expect(logs.some((l) => l.includes('keeping the previous configuration'))).toBe(true);
    next = () => Promise.resolve(meshdConfigSchemaFor().parse({ directory: dir, resync: '2h', prune: false }));
    expect(await daemon?.reload()).toBe(true);
    // A reload enqueues every key: each remote and the registry run again.
    await until(
      'every key after reload',
      () => registryCalls().length === 2 && calls.filter((c) => c.key === 'east').length === 2 && calls.filter((c) => c.key === 'west').length === 2,
      5000,
    );
  });
});
