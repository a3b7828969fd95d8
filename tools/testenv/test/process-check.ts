// What "nothing left behind" means for a test environment: no process, no bound port, no files.
import { existsSync, readFileSync } from 'node:fs';
import { isPortFree, type ClusterPorts } from '@meshd/testenv';

/** True while `pid` is a live process (a zombie counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** What a test checks after teardown. */
export interface Leftovers {
  pids: number[];
  ports: number[];
  paths: string[];
}

/** Leftovers as recorded from a running environment. */
export function recordLeftovers(pids: Iterable<number>, ports: ClusterPorts[], paths: string[]): Leftovers {
  return { pids: [...pids], ports: ports.flatMap((p) => [p.etcdClient, p.etcdPeer, p.apiServer, ...(p.tiller === undefined ? [] : [p.tiller])]), paths };
}

/** The processes still running, ports still bound and paths still present. */
export async function remaining(l: Leftovers): Promise<{ pids: number[]; ports: number[]; paths: string[] }> {
  const busy = await Promise.all(l.ports.map(async (p) => ((await isPortFree(p)) ? undefined : p)));
  return {
    pids: l.pids.filter(isRunning),
    ports: busy.filter((p): p is number => p !== undefined),
    paths: l.paths.filter((p) => existsSync(p)),
  };
}

/** Polls `remaining` until nothing is left or `timeoutMs` passes; returns what is left. */
export async function waitForNothingLeft(l: Leftovers, timeoutMs: number): Promise<{ pids: number[]; ports: number[]; paths: string[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await remaining(l);
    if (left.pids.length + left.ports.length + left.paths.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
