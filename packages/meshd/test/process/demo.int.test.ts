// Smoke test of `npm run demo` (scripts/demo.ts run with tsx, as the npm script does after its build):
// it starts three clusters and `meshd run`, prints the status page's URL, converges the mesh; each
// action asked from "another terminal" (`demo.ts ACTION [NAME]`) shows up in the page's live view
// (GET /events); on Ctrl-C (SIGINT to its whole process group, as a terminal sends it) or when its
// output is piped into `head` or `tee` (Ctrl-C typed in a terminal, or SIGINT to the pipeline), it stops
// everything and cleans up.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PageView } from '../../src/daemon/status/status-feed.js';
import { ensureBuilt, REPO, until } from '@meshd/testkit';

const DEMO_HOME = join(REPO, '.meshd-demo');

/** Pids of the processes whose command line mentions the demo's directory (meshd, the cluster processes). */
function processesUsingDemo(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(DEMO_HOME) ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });
}

/** Fields of /proc/PID/stat after the command name (0: state, 2: process group, 3: session). */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * This test process's own process group and session. Never signalled: `demoAction` runs the demo's
 * action client in them, and a kill aimed at them would take down the test runner (and CI's shell)
 * without a word.
 */
const OWN = { group: Number(statFields('self')[2]), session: Number(statFields('self')[3]) };

/** Pids of the live processes whose /proc stat field `field` (2: process group, 3: session) is `id`; none for this process's own. */
function processesWith(field: 2 | 3, id: number): number[] {
  if (!(id > 0) || id === OWN.group || id === OWN.session) return [];
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[field]) === id && fields[0] !== 'Z' ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });
}

/** Pids of the live processes in a process group. */
const processGroup = (pgid: number): number[] => processesWith(2, pgid);

/** Sends `signal` to a spawned (detached) process group; never to group 0 or this process's own. */
function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined || !(pgid > 0) || pgid === OWN.group)
    throw new Error(`refusing to signal process group ${String(pgid)} (the spawn failed, or it is the test's own)`);
  process.kill(-pgid, signal);
}

/** Pids of the live processes of a session (a terminal's). */
const processSession = (sid: number): number[] => processesWith(3, sid);

/** The session of this clone's demo process (scripts/demo.ts run from REPO), once it runs. */
function demoSession(): number | undefined {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('scripts/demo.ts') || cmdline.includes('npx') || readlinkSync(`/proc/${pid}/cwd`) !== REPO) continue;
      const session = Number(statFields(Number(pid))[3]);
      if (session !== OWN.session) return session; // an action client (`demoAction`) runs in ours
    } catch {
      continue;
    }
  }
  return undefined;
}

/** The lines the demo prints while it stops, in order. */
const SHUTDOWN = ['demo: meshd exited (0)', 'demo: stopping the clusters…', 'demo: done: nothing is left running'];

beforeAll(() => {
  ensureBuilt();
  const busy = processesUsingDemo();
  if (busy.length > 0) throw new Error(`a demo is running already (pids ${busy.join(', ')}): stop it first`);
}, 300_000);

/** The page's live view: one GET /events stream, every `view` event kept (the newest last). */
class LiveView {
  latest: PageView | undefined;
  private readonly abort = new AbortController();

  constructor(url: string) {
    void this.follow(url);
  }

  /** Waits until the newest view satisfies `probe`; resolves with what it returns. */
  async until<T>(what: string, probe: (view: PageView) => T | undefined, context: () => string, timeoutMs = 30_000): Promise<T> {
    const { value } = await until(what, () => Promise.resolve(this.latest === undefined ? undefined : probe(this.latest)), {
      timeoutMs,
      intervalMs: 100,
      context,
    });
    return value;
  }

  close(): void {
    this.abort.abort();
  }

  /** Reads the stream, reconnecting (as EventSource does) until closed: the daemon may not listen yet. */
  private async follow(url: string): Promise<void> {
    while (!this.abort.signal.aborted) {
      await this.read(url).catch(() => undefined);
      await new Promise((done) => setTimeout(done, 250));
    }
  }

  private async read(url: string): Promise<void> {
    const res = await fetch(`${url}/events`, { signal: this.abort.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      const events = buffer.split('\n\n');
      buffer = events.pop() ?? '';
      for (const event of events) {
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (event.includes('event: view') && data !== undefined) this.latest = JSON.parse(data) as PageView;
      }
    }
  }
}

/** Runs `tsx scripts/demo.ts ACTION [NAME]` (another terminal's `npm run demo -- ACTION`); resolves with its output. */
function demoAction(...args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn('npx', ['tsx', 'scripts/demo.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
  return new Promise((done) => child.on('close', (code) => done({ code, output })));
}

const maxSeq = (view: PageView): number => view.timeline.reduce((m, e) => Math.max(m, e.seq), 0);

/**
 * `npm run demo -- rotate`, then the page shows remote-1's copies rewritten in every application
 * namespace (the demo's remotes have default, app-1 and app-2), each once: the rotation may reach
 * meshd in more than one pass, and the page shows each pass's writes.
 */
async function rotateAndSeeCopies(view: LiveView, context: () => string): Promise<void> {
  const since = maxSeq(view.latest!);
  expect((await demoAction('rotate')).code).toBe(0);
  const copyWrites = (v: PageView): number =>
    v.timeline
      .filter((e) => e.seq > since && e.cluster === 'remote-1' && e.text.includes('istio.default copies'))
      .reduce((sum, e) => sum + Number(/\((\d+) writes\)/.exec(e.text)?.[1] ?? 0), 0);
  await view.until("the page to show remote-1's three copies rewritten", (v) => (copyWrites(v) >= 3 ? true : undefined), context);
  expect(copyWrites(view.latest!)).toBe(3);
}

describe('npm run demo', () => {
  it('converges three clusters, shows every action on the page, then stops everything and removes .meshd-demo on Ctrl-C', async () => {
    const demo = spawn('npx', ['tsx', 'scripts/demo.ts'], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = demo.pid ?? 0;
    let output = '';
    demo.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
    demo.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => demo.on('close', (code, signal) => done({ code, signal })));
    const context = (): string => output.split('\n').slice(-25).join('\n');
    let live: LiveView | undefined;
    try {
      const { value: url } = await until(
        'the demo to print its page URL',
        () => Promise.resolve(/the status page is (http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1]),
        { timeoutMs: 120_000, intervalMs: 200, context },
      );
      expect(output).toContain(`curl -s ${url}/status`);
      live = new LiveView(url);
      const view = live;
      await view.until(
        'the demo mesh converged',
        (v) => {
          const states = v.status.clusters.map((c) => `${c.name}=${c.state}`).join(' ');
          return v.status.ready && states === 'cp=converged remote-1=converged remote-2=converged' ? true : undefined;
        },
        context,
        120_000,
      );
      expect(processesUsingDemo().length).toBeGreaterThan(0);

      // Pilot moves: the page shows the new IP and a timeline entry for the move.
      const moved = await demoAction('pilot-move');
      expect(moved.code, moved.output).toBe(0);
      const ip = /pilot-move: (\S+)/.exec(moved.output)?.[1] ?? '?';
      await view.until(
        'the page to show the new Pilot IP',
        (v) => (v.status.endpoints?.pilot === ip && v.timeline.some((e) => e.text.endsWith(`→ ${ip}`)) ? true : undefined),
        context,
      );

      // istio.default rotates: the copies on the remotes are written again.
      await rotateAndSeeCopies(view, context);

      // Someone edits remote-1's Endpoints: meshd puts them back and the page says so.
      const since = maxSeq(view.latest!);
      expect((await demoAction('drift', 'remote-1')).code).toBe(0);
      await view.until(
        'the page to show remote-1 restored',
        (v) => (v.timeline.some((e) => e.seq > since && e.cluster === 'remote-1' && e.text.includes('release')) ? true : undefined),
        context,
      );

      // remote-2's API server goes away and comes back.
      expect((await demoAction('partition', 'remote-2')).code).toBe(0);
      await view.until(
        'the page to show remote-2 unreachable',
        (v) => (v.status.clusters.find((c) => c.name === 'remote-2')?.reachable === false ? true : undefined),
        context,
      );
      await view.until(
        'the page to show remote-2 back',
        (v) => (v.status.clusters.find((c) => c.name === 'remote-2')?.state === 'converged' ? true : undefined),
        context,
        90_000,
      );

      const unknown = await demoAction('explode');
      expect(unknown.code).toBe(2);
      live.close();

      signalGroup(pgid, 'SIGINT');
      const exit = await Promise.race([exited, new Promise<undefined>((done) => setTimeout(() => done(undefined), 60_000))]);
      expect(exit, `the demo did not exit within 60 s after SIGINT:\n${context()}`).toBeDefined();
      expect(output).toContain('demo: meshd exited (0)');
      expect(output).not.toContain('second signal');
      // npx itself dies of the SIGINT (as in a terminal); its pipes close once the demo has cleaned up.
      expect(exit?.code === 0 || exit?.signal === 'SIGINT', JSON.stringify(exit)).toBe(true);
      await until('every demo process gone', () => Promise.resolve(processesUsingDemo().length === 0 && processGroup(pgid).length === 0 ? true : undefined), {
        timeoutMs: 10_000,
        context,
      });
      expect(existsSync(DEMO_HOME)).toBe(false);
    } finally {
      live?.close();
      if (processGroup(pgid).length > 0) signalGroup(pgid, 'SIGKILL');
    }
  }, 400_000);

  it('stops everything and removes .meshd-demo when its output is piped into head, which exits', async () => {
    const pipeline = spawn('bash', ['-c', 'npx tsx scripts/demo.ts | head -n 4'], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = pipeline.pid ?? 0;
    let output = '';
    pipeline.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
    pipeline.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    const context = (): string => output;
    try {
      await until('head to have its lines', () => Promise.resolve(output.split('\n').length > 4 ? true : undefined), {
        timeoutMs: 120_000,
        intervalMs: 200,
        context,
      });
      await until(
        'every demo process gone and .meshd-demo removed',
        () => Promise.resolve(processGroup(pgid).length === 0 && processesUsingDemo().length === 0 && !existsSync(DEMO_HOME) ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 250, context },
      );
    } finally {
      if (processGroup(pgid).length > 0) signalGroup(pgid, 'SIGKILL');
    }
  }, 300_000);

  // In a terminal the demo reads its keys in raw mode, so Ctrl-C is a key it handles, not a signal
  // to the whole pipeline: tee lives on and the log gets every line up to the last.
  it('`npm run demo | tee FILE` in a terminal: Ctrl-C stops everything, removes .meshd-demo, and FILE has the shutdown lines', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'meshd-demo-tee-'));
    const logFile = join(scratch, 'log');
    // util-linux script: a pseudo-terminal for the pipeline; what we write to its stdin is typed there.
    const terminal = spawn('script', ['-q', '-e', '-f', '-c', `npx tsx scripts/demo.ts | tee ${logFile}`, '/dev/null'], {
      cwd: REPO,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    terminal.stdout.on('data', (b: Buffer) => (screen += b.toString('utf8')));
    terminal.stderr.on('data', (b: Buffer) => (screen += b.toString('utf8')));
    const exited = new Promise<number | null>((done) => terminal.on('close', (code) => done(code)));
    const context = (): string => screen.split('\n').slice(-25).join('\n');
    let sid: number | undefined;
    try {
      await until('meshd running under the demo', () => Promise.resolve(screen.includes('meshd is running') ? true : undefined), {
        timeoutMs: 180_000,
        intervalMs: 200,
        context,
      });
      sid = demoSession();
      expect(sid, 'the demo process').toBeDefined();
      expect(processesUsingDemo().length).toBeGreaterThan(0);
      terminal.stdin.write('\u0003');
      const code = await Promise.race([exited, new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), 120_000))]);
      expect(code, `the terminal's pipeline did not end within 120 s of Ctrl-C:\n${context()}`).toBe(0);
      const log = await readFile(logFile, 'utf8');
      expect(log).toMatch(/demo: the status page is http:\/\/127\.0\.0\.1:\d+\//);
      expect(log).toContain('demo: stopping (Ctrl-C)…');
      const tail = log.slice(log.indexOf('demo: stopping (Ctrl-C)…'));
      for (const line of SHUTDOWN) expect(tail, log.slice(-2000)).toContain(line);
      expect(log.trimEnd().endsWith(SHUTDOWN.at(-1)!)).toBe(true);
      await until('every demo process gone', () => Promise.resolve(processesUsingDemo().length === 0 && processSession(sid!).length === 0 ? true : undefined), {
        timeoutMs: 10_000,
        context,
      });
      expect(existsSync(DEMO_HOME)).toBe(false);
    } finally {
      if (sid !== undefined) for (const pid of processSession(sid)) process.kill(pid, 'SIGKILL');
      if (terminal.exitCode === null && terminal.pid !== undefined) signalGroup(terminal.pid, 'SIGKILL');
      await rm(scratch, { recursive: true, force: true });
    }
  }, 400_000);

  // The signal reaching the whole foreground job (Ctrl-C while it is not reading keys, `kill -INT -PGID`):
  // tee dies with it and nothing more reaches FILE, but the demo still cleans up and tells the terminal on stderr.
  it('`npm run demo | tee FILE` with SIGINT to its process group: tee dies, the demo still removes everything and says so on stderr', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'meshd-demo-tee-'));
    const logFile = join(scratch, 'log');
    const pipeline = spawn('bash', ['-c', `npx tsx scripts/demo.ts | tee ${logFile}`], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const pgid = pipeline.pid ?? 0;
    let stdout = '';
    let stderr = '';
    pipeline.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    pipeline.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const context = (): string => `${stdout.split('\n').slice(-15).join('\n')}\n--- stderr:\n${stderr}`;
    try {
      await until('meshd running under the demo', () => Promise.resolve(stdout.includes('meshd is running') ? true : undefined), {
        timeoutMs: 180_000,
        intervalMs: 200,
        context,
      });
      signalGroup(pgid, 'SIGINT');
      await until(
        'every demo process gone and .meshd-demo removed',
        () => Promise.resolve(processGroup(pgid).length === 0 && processesUsingDemo().length === 0 && !existsSync(DEMO_HOME) ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 250, context },
      );
      for (const line of SHUTDOWN) expect(stderr, context()).toContain(line);
      expect(await readFile(logFile, 'utf8')).toMatch(/demo: the status page is http:\/\/127\.0\.0\.1:\d+\//);
    } finally {
      if (processGroup(pgid).length > 0) signalGroup(pgid, 'SIGKILL');
      await rm(scratch, { recursive: true, force: true });
    }
  }, 300_000);
});
