// Idle cost of the daemon on a converged mesh: `meshd run` started as its own process, timed to
// /readyz = 200 (its first full pass done) and to the end of its watch set-up, then left alone for
// two windows of N seconds while /proc says how much CPU it used and the API servers say how many
// writes it made (should be none).
import { readFile } from 'node:fs/promises';
import { sleep, startDaemon } from '../lib/daemon.js';
import { cpuSecondsOf, rssOf } from '../lib/proc.js';
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

/**
 * After /readyz the daemon still lists and starts its watches (thousands at 500 clusters). On the
 * simulation: waits until no request arrived for 5 s. On real clusters (whose own controllers keep
 * the request counters moving): a fixed 10 s.
 */
export async function waitQuiet(target: ScaleTarget, timeoutMs = 300_000): Promise<void> {
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
export async function cpuPercentOver(pid: number, seconds: number): Promise<number> {
  const [t0, cpu0] = [performance.now(), await cpuSecondsOf(pid)];
  await sleep(seconds * 1000);
  const [t1, cpu1] = [performance.now(), await cpuSecondsOf(pid)];
  return ((cpu1 - cpu0) / ((t1 - t0) / 1000)) * 100;
}

/** Starts the daemon on the converged mesh, measures `seconds` of idling, stops it (SIGTERM). */
export async function measureIdle(ws: Workspace, target: ScaleTarget, seconds: number, nodeArgs: readonly string[] = []): Promise<IdleFigures> {
  const started = performance.now();
  const daemon = await startDaemon(ws, { nodeArgs });
  try {
    await daemon.ready();
    const readySeconds = (performance.now() - started) / 1000;
    await waitQuiet(target);
    const quietSeconds = (performance.now() - started) / 1000;
    const writes0 = await target.writes();
    const first = await cpuPercentOver(daemon.pid, seconds);
    const steady = await cpuPercentOver(daemon.pid, seconds);
    const rss = await rssOf(daemon.pid);
    const writes1 = await target.writes();
    const idleWrites = writes1.reduce((s, n, i) => s + n - (writes0[i] ?? 0), 0);
    return { readySeconds, quietSeconds, firstWindowCpuPct: first, idleCpuPct: steady, rssMb: rss.rssMb, idleWrites };
  } catch (err) {
    const tail = (await readFile(daemon.logPath, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
    throw new Error(`meshd run stopped measuring (${err instanceof Error ? err.message : String(err)}); its last log lines (${daemon.logPath}):\n${tail}`);
  } finally {
    await daemon.stop();
  }
}
