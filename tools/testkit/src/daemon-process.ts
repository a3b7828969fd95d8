// Test support: the REAL `meshd run` as a child process (node packages/meshd/bin/meshd.js), its
// output captured, its health server on a port of its own; plus waiting and build helpers. Used by
// the process-level integration tests (packages/meshd/test/process, test/) and by the daemon benchmarks.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { allocatePorts } from '@meshd/testenv/ports';
import { join, resolve } from 'node:path';

/** Root of the repository. */
export const REPO = resolve(import.meta.dirname, '../../..');
/** The meshd executable users run. */
export const MESHD_BIN = join(REPO, 'packages/meshd/bin/meshd.js');
const BUILT_PACKAGES = ['packages/core', 'packages/helm', 'packages/plugin-helm', 'packages/plugin-tiller', 'packages/plugin-secrets', 'packages/meshd'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when some package's dist is missing or older than its sources. */
function distIsStale(): boolean {
  return BUILT_PACKAGES.some((p) => {
    const built = join(REPO, p, 'dist/index.js');
    return !existsSync(built) || statSync(built).mtimeMs < newestSource(join(REPO, p, 'src'));
  });
}

/**
 * Builds meshd and the packages it imports (turbo, cached) when the compiled bin would be missing
 * or stale. A failed build with a dist present only warns: the tests then run the last build.
 */
export function ensureBuilt(): void {
  if (!distIsStale()) return;
  const run = spawnSync('npx', ['turbo', 'run', 'build', '--filter=meshd...', '--output-logs=errors-only'], {
    cwd: REPO,
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
  });
  if (run.status === 0) return;
  const why = `turbo run build failed (${run.status}):\n${run.stdout}${run.stderr}`;
  if (!existsSync(join(REPO, 'packages/meshd/dist/cli/main.js'))) throw new Error(why);
  console.warn(`${why}\nusing the existing packages/meshd/dist`);
}

/** A port nobody listens on right now on 127.0.0.1, below the ephemeral range (see @meshd/testenv/ports). */
export async function freePort(): Promise<number> {
  const [port] = await allocatePorts(1);
  if (port === undefined) throw new Error('no free port');
  return port;
}

/** Sleeps. */
export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Options of until(). */
export interface UntilOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Extra text for the timeout error (e.g. the daemon's last log lines). */
  context?: () => string;
}

/**
 * Polls `probe` until it returns a value other than undefined (a rejection counts as undefined);
 * resolves with the value and the milliseconds it took. Throws after the timeout.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, options: UntilOptions = {}): Promise<{ value: T; ms: number }> {
  const { timeoutMs = 30_000, intervalMs = 50 } = options;
  const start = performance.now();
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return { value, ms: performance.now() - start };
    if (performance.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${options.context ? `\n${options.context()}` : ''}`);
    await sleep(intervalMs);
  }
}

/** How the process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The subset of GET /status the tests read. */
export interface StatusBody {
  ready: boolean;
  readyReasons: string[];
  clusters: {
    name: string;
    role: string;
    state: string;
    reachable: boolean;
    lastError?: { code: string; message: string; retry: string };
    warnings?: string[];
  }[];
  removed: { name: string }[];
  endpoints?: Record<string, unknown>;
  queue?: { depth: number; active: string[] };
}

/** Options of startDaemonProcess. */
export interface DaemonProcessOptions {
  dir: string;
  config: string;
  port?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Extra environment (merged over this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A running `meshd run` child process. Whoever started it stops it (stop() or kill()); output is
 * kept in memory (stdout and stderr, in arrival order) for assertions.
 */
export class DaemonProcess {
  readonly url: string;
  readonly exited: Promise<ProcessExit>;
  private readonly chunks: string[] = [];
  private exit: ProcessExit | undefined;

  constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    child.stdout?.on('data', (b: Buffer) => this.chunks.push(b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => this.chunks.push(b.toString('utf8')));
    this.exited = new Promise((done) => child.on('close', (code, signal) => done((this.exit = { code, signal }))));
  }

  /** The process id. */
  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Everything the process wrote so far (stdout and stderr). */
  output(): string {
    return this.chunks.join('');
  }

  /** The last `n` lines of output, for error messages. */
  tail(n = 20): string {
    return this.output().split('\n').slice(-n).join('\n');
  }

  /** Log records (JSON lines of stdout) so far; lines that are not JSON are skipped. */
  records(): Record<string, unknown>[] {
    return this.output()
      .split('\n')
      .flatMap((line) => {
        if (!line.startsWith('{')) return [];
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }

  /** True once the process has exited. */
  hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** GET a path of the health server: status code and body text. */
  async get(path: string): Promise<{ status: number; body: string }> {
    const res = await fetch(`${this.url}${path}`);
    return { status: res.status, body: await res.text() };
  }

  /** GET /status, parsed. */
  async status(): Promise<StatusBody> {
    return JSON.parse((await this.get('/status')).body) as StatusBody;
  }

  /** The state /status shows for a cluster (undefined: not listed). */
  async clusterState(name: string): Promise<string | undefined> {
    return (await this.status()).clusters.find((c) => c.name === name)?.state;
  }

  /** Waits until /status shows `name` parked (its last error terminal: not retried until its input changes); its entry. */
  async waitParked(name: string, timeoutMs = 120_000): Promise<StatusBody['clusters'][number]> {
    const { value } = await until(
      `${name} parked`,
      async () => {
        const entry = (await this.status()).clusters.find((c) => c.name === name);
        return entry?.lastError?.retry === 'terminal' ? entry : undefined;
      },
      { timeoutMs, context: () => this.tail() },
    );
    return value;
  }

  /** Waits for /readyz 200. */
  async waitReady(timeoutMs = 120_000): Promise<number> {
    const { ms } = await until(
      '/readyz 200',
      async () => {
        if (this.hasExited()) throw new Error('exited');
        return (await this.get('/readyz')).status === 200 ? true : undefined;
      },
      { timeoutMs, intervalMs: 100, context: () => this.tail() },
    );
    if (this.hasExited()) throw new Error(`meshd exited: ${this.tail()}`);
    return ms;
  }

  /** Sends a signal. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves with how it ended. */
  async stop(graceMs = 25_000): Promise<ProcessExit> {
    if (this.exit) return this.exit;
    this.signal('SIGTERM');
    const killer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(killer);
    return exit;
  }
}

/** Starts `node packages/meshd/bin/meshd.js run` on 127.0.0.1 (a free port unless given); does not wait for readiness. */
export async function startDaemonProcess(options: DaemonProcessOptions): Promise<DaemonProcess> {
  const port = options.port ?? (await freePort());
  const args = [MESHD_BIN, 'run', '--dir', options.dir, '--config', options.config, '--listen', `127.0.0.1:${port}`, '--log-level', options.logLevel ?? 'info'];
  const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new DaemonProcess(child, port);
}

/** meshd_reconciles_total summed over results, by key (`cluster` label), from a /metrics text. Pure. */
export function reconcilesByKey(metrics: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of metrics.matchAll(/^meshd_reconciles_total\{([^}]*)\}\s+(\S+)$/gm)) {
    const key = /cluster="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '';
    counts.set(key, (counts.get(key) ?? 0) + Number(m[2]));
  }
  return counts;
}

/** meshd_errors_total for one error code counted as terminal (0 when absent), from a /metrics text. Pure. */
export function terminalErrors(metrics: string, code: string): number {
  return Number(new RegExp(`meshd_errors_total\\{code="${code}",retry="terminal"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
}

/** Reconcile counts by key once the daemon is idle: queue empty and counts unchanged for 10 polls (200 ms apart) in a row. */
export async function idleReconciles(daemon: DaemonProcess): Promise<Map<string, number>> {
  let last = '';
  let same = 0;
  const { value } = await until(
    'the daemon to go idle',
    async () => {
      const [metrics, status] = await Promise.all([daemon.get('/metrics'), daemon.status()]);
      const counts = reconcilesByKey(metrics.body);
      const text = JSON.stringify([...counts]);
      const busy = (status.queue?.depth ?? 0) > 0 || (status.queue?.active.length ?? 0) > 0;
      same = text === last && !busy ? same + 1 : 0;
      last = text;
      return same >= 10 ? counts : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200, context: () => daemon.tail() },
  );
  return value;
}
