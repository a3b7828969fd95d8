// Smoke test of `npm run demo` (scripts/demo.ts run with tsx, as the npm script does after its build):
// it starts three clusters and `meshd run`, prints the health URL, converges the mesh, and on Ctrl-C
// (SIGINT to its whole process group, as a terminal sends it) stops everything and cleans up.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO, until } from './daemon-process.js';

const DEMO_HOME = join(REPO, '.meshd-demo');

/** Pids of the processes whose command line mentions the demo's directory (meshd, the cluster processes). */
function processesUsingDemo(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(DEMO_HOME) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

/** Pids of the live processes in a process group. */
function processGroup(pgid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[2]) === pgid && fields[0] !== 'Z' ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

beforeAll(() => {
  ensureBuilt();
  const busy = processesUsingDemo();
  if (busy.length > 0) throw new Error(`a demo is running already (pids ${busy.join(', ')}): stop it first`);
}, 300_000);

describe('npm run demo', () => {
  it('converges three clusters, then stops everything and removes .meshd-demo on Ctrl-C', async () => {
    const demo = spawn('npx', ['tsx', 'scripts/demo.ts'], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = demo.pid ?? 0;
    let output = '';
    demo.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
    demo.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => demo.on('close', (code, signal) => done({ code, signal })));
    const context = (): string => output.split('\n').slice(-25).join('\n');
    try {
      const { value: url } = await until('the demo to print its health URL', () => Promise.resolve(/curl -s (http:\/\/127\.0\.0\.1:\d+)\/status/.exec(output)?.[1]), { timeoutMs: 120_000, intervalMs: 200, context });
      await until('the demo mesh converged', async () => {
        const status = (await (await fetch(`${url}/status`)).json()) as { ready: boolean; clusters: { name: string; state: string }[] };
        const states = status.clusters.map((c) => `${c.name}=${c.state}`).join(' ');
        return status.ready && states === 'cp=converged remote-1=converged remote-2=converged' ? true : undefined;
      }, { timeoutMs: 120_000, intervalMs: 250, context });
      expect(processesUsingDemo().length).toBeGreaterThan(0);

      process.kill(-pgid, 'SIGINT');
      const exit = await Promise.race([exited, new Promise<undefined>((done) => setTimeout(() => done(undefined), 60_000))]);
      expect(exit, `the demo did not exit within 60 s after SIGINT:\n${context()}`).toBeDefined();
      expect(output).toContain('demo: meshd exited (0)');
      expect(output).not.toContain('second signal');
      // npx itself dies of the SIGINT (as in a terminal); its pipes close once the demo has cleaned up.
      expect(exit?.code === 0 || exit?.signal === 'SIGINT', JSON.stringify(exit)).toBe(true);
      await until('every demo process gone', () => Promise.resolve(processesUsingDemo().length === 0 && processGroup(pgid).length === 0 ? true : undefined), { timeoutMs: 10_000, context });
      expect(existsSync(DEMO_HOME)).toBe(false);
    } finally {
      if (processGroup(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
    }
  }, 300_000);
});
