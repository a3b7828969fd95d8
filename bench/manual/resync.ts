// The daemon's no-op: with nothing changing, `meshd run` only runs its timer resync (the safety
// net; 10m by default). Here the resync is set to 5 s on the converged mesh and N resyncs are
// timed from the daemon's own log ("reconciled" lines: key, durationMs, writes), with the CPU the
// daemon used and the write requests the clusters saw.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestEnv } from '@meshd/testenv';
import { sleep, startDaemon } from '../lib/daemon.js';
import { cpuSecondsOf } from '../lib/proc.js';
import { settledWrites, totalDelta } from '../lib/writes.js';
import type { MeshSetup } from './tools.js';

const RESYNC_S = 5;

/** What N resyncs cost. */
export interface ResyncFigures {
  /** Wall seconds of each resync: first key started → last key done. */
  seconds: number[];
  /** CPU seconds the daemon used per resync (idle included). */
  cpuPerResync: number;
  /** Write requests during all of them. */
  writes: number;
}

interface ReconciledLine {
  time: number;
  durationMs: number;
  msg: string;
}

/** Groups "reconciled" log lines into resyncs (keys of one resync start within 2 s of each other). */
function resyncWalls(lines: readonly ReconciledLine[], since: number): number[] {
  const spans = lines.filter((l) => l.msg === 'reconciled' && l.time - l.durationMs >= since).map((l) => ({ start: l.time - l.durationMs, end: l.time }));
  spans.sort((a, b) => a.start - b.start);
  const groups: { start: number; end: number }[] = [];
  for (const s of spans) {
    const last = groups.at(-1);
    if (last && s.start - last.start < 2000) last.end = Math.max(last.end, s.end);
    else groups.push({ ...s });
  }
  return groups.map((g) => (g.end - g.start) / 1000);
}

/** Runs the daemon with a 5 s resync on the (converged) mesh and measures `count` resyncs. */
export async function daemonResyncs(env: TestEnv, setup: MeshSetup, count: number): Promise<ResyncFigures> {
  const configPath = join(setup.ws.root, 'meshd-resync.yaml');
  await writeFile(configPath, `${await readFile(setup.ws.configPath, 'utf8')}resync: ${RESYNC_S}s\n`);
  const daemon = await startDaemon(setup.ws, { configPath, logLevel: 'info' });
  try {
    await daemon.ready(120_000);
    await sleep(3 * RESYNC_S * 1000);
    const before = await settledWrites(env.clusters);
    const [since, cpu0] = [Date.now(), await cpuSecondsOf(daemon.pid)];
    await sleep((count * RESYNC_S + 2) * 1000);
    const cpu1 = await cpuSecondsOf(daemon.pid);
    const writes = totalDelta(before, await settledWrites(env.clusters));
    const lines = (await readFile(daemon.logPath, 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ReconciledLine);
    const seconds = resyncWalls(lines, since).slice(0, count);
    return { seconds, cpuPerResync: (cpu1 - cpu0) / Math.max(1, seconds.length), writes };
  } finally {
    await daemon.stop();
  }
}
