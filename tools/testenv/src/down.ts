import { readFileSync } from 'node:fs';
import { rm, rmdir } from 'node:fs/promises';
import { waitUntil } from './https.js';
import { readState } from './state.js';
import { SUPERVISOR_MARKER } from './supervisor-script.js';

/** True when `pid` is a running testenv supervisor (not some process that reused its pid). */
export function isSupervisor(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(SUPERVISOR_MARKER);
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // no process left in the group: the usual case
  }
}

/**
 * Stops the environment `testenv up` left running in `dir`: SIGTERM to its supervisor (which kills
 * its clusters and removes their files), SIGKILL to the whole process group if that takes over 15 s,
 * then removes whatever is left. Returns false when `dir` holds no environment.
 */
export async function stopDetachedEnv(dir: string): Promise<boolean> {
  const state = await readState(dir);
  if (state === undefined) return false;
  const pid = state.supervisorPid;
  // Only signal what is provably ours: a pid can be reused once the supervisor is gone.
  if (isSupervisor(pid)) {
    process.kill(pid, 'SIGTERM');
    await waitUntil(`supervisor ${pid} to exit`, () => Promise.resolve(!alive(pid)), { timeoutMs: 15_000, intervalMs: 100 }).catch(() => undefined);
    killGroup(pid); // stragglers of its process group, if any
  }
  await Promise.all(state.paths.filter((p) => p !== dir).map((p) => rm(p, { recursive: true, force: true })));
  if (state.paths.includes(dir)) await rmdir(dir).catch(() => undefined);
  return true;
}
