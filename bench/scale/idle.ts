// Idle cost of the daemon on a converged mesh: `meshd run` started as its own process, timed to
// /readyz = 200 (its first full pass done) and to the end of its watch set-up, then left alone for
// two windows of N seconds while /proc says how much CPU it used and the API servers say how many
// writes it made (should be none).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSecondsOf, MEASURED_MESHD, rssOf } from '../lib/proc.js';
import type { Workspace } from '../lib/workspace.js';
import type { ScaleTarget } from './targets.js';

/** What the idle measurement found. */
export interface IdleFigures {
  /** Seconds from start to /readyz 200. */
  readySeconds: number;
  /** Seconds from start until its watches were all set up (the idle window starts then). */
  quietSeconds: number;
  /**
   * CPU over the first window right after the daemon went quiet, % of one core. It includes V8's
   * memory reducer: full GCs about 30 s after the allocation rate drops (after every busy pass).
   */
  firstWindowCpuPct: number;
  /** CPU over the following window of the same length (steady idle), % of one core. */
  idleCpuPct: number;
  /** Resident set size of the daemon at the end of the window, MB. */
  rssMb: number;
  /** Write requests the daemon made during the window. */
  idleWrites: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitReady(url: string, exited: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error('meshd run exited before it was ready');
    const ok = await fetch(url).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`meshd run not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * After /readyz the daemon still lists and starts its watches (thousands at 500 clusters). On the
 * simulation: waits until no request arrived for 5 s. On real clusters (whose own controllers keep
 * the request counters moving): a fixed 10 s.
 */
async function waitQuiet(target: ScaleTarget, timeoutMs = 300_000): Promise<void> {
  const count = target.requests?.bind(target);
  if (!count) return sleep(10_000);
  const deadline = Date.now() + timeoutMs;
  let last = count();
  for (;;) {
    await sleep(5000);
    const now = count();
    if (now === last) return;
    if (Date.now() > deadline) throw new Error('meshd run kept making requests: no idle window');
    last = now;
  }
}

/** CPU the process used over the next `seconds`, % of one core. */
async function cpuPercentOver(pid: number, seconds: number): Promise<number> {
  const [t0, cpu0] = [performance.now(), await cpuSecondsOf(pid)];
  await sleep(seconds * 1000);
  const [t1, cpu1] = [performance.now(), await cpuSecondsOf(pid)];
  return ((cpu1 - cpu0) / ((t1 - t0) / 1000)) * 100;
}

/** Starts the daemon on the converged mesh, measures `seconds` of idling, stops it (SIGTERM). */
export async function measureIdle(ws: Workspace, target: ScaleTarget, seconds: number): Promise<IdleFigures> {
  const port = await freePort();
  const usage = join(tmpdir(), `meshd-daemon-usage-${process.pid}.json`);
  const log = createWriteStream(join(ws.root, 'daemon.log'));
  const args = [...MEASURED_MESHD, usage, 'run', '--dir', ws.dir, '--config', ws.configPath, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const closed = new Promise<void>((resolve) => child.on('close', () => {
    exited = true;
    resolve();
  }));
  try {
    const started = performance.now();
    await waitReady(`http://127.0.0.1:${port}/readyz`, () => exited, 600_000);
    const readySeconds = (performance.now() - started) / 1000;
    await waitQuiet(target);
    const quietSeconds = (performance.now() - started) / 1000;
    const pid = child.pid ?? 0;
    const writes0 = await target.writes();
    const first = await cpuPercentOver(pid, seconds);
    const steady = await cpuPercentOver(pid, seconds);
    const rss = await rssOf(pid);
    const writes1 = await target.writes();
    const idleWrites = writes1.reduce((s, n, i) => s + n - (writes0[i] ?? 0), 0);
    return { readySeconds, quietSeconds, firstWindowCpuPct: first, idleCpuPct: steady, rssMb: rss.rssMb, idleWrites };
  } finally {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await closed;
    clearTimeout(killer);
    await rm(usage, { force: true });
  }
}
