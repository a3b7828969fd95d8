// `meshd run` as a child process for benchmarks: started on a free loopback port with its output in
// a log file, ready when /readyz says 200, stopped with SIGTERM (SIGKILL after 30 s).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEASURED_MESHD } from './proc.js';
import type { Workspace } from './workspace.js';

/** A running daemon. Whoever started it calls stop(). */
export interface RunningDaemon {
  pid: number;
  /** Where its HTTP server listens (http://127.0.0.1:PORT). */
  url: string;
  /** Its stdout and stderr (pino JSON lines). */
  logPath: string;
  /** Resolves once /readyz answers 200; rejects if the daemon exits first or after the timeout. */
  ready(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** How to start the daemon: another meshd.yaml than the workspace's, another log level than warn. */
export interface DaemonOptions {
  configPath?: string;
  logLevel?: 'debug' | 'info' | 'warn';
  /** Node options for the meshd process (e.g. --max-old-space-size=256). */
  nodeArgs?: readonly string[];
  /** Extra environment variables for the meshd process (e.g. glibc's MALLOC_ARENA_MAX). */
  env?: Readonly<Record<string, string>>;
  /**
   * Another meshd than the compiled workspace: the command that runs it (bench/manual/tools.ts
   * meshdCliOf: the tarball's bin/meshd under this node, or the .deb's single executable). Node
   * options then go through NODE_OPTIONS.
   */
  cli?: readonly [string, ...string[]];
}

/** Starts `meshd run` on the workspace (log in `<ws.root>/daemon-<port>.log`). */
export async function startDaemon(ws: Workspace, options: DaemonOptions = {}): Promise<RunningDaemon> {
  const port = await freePort();
  const usage = join(tmpdir(), `meshd-daemon-usage-${process.pid}-${port}.json`);
  const logPath = join(ws.root, `daemon-${port}.log`);
  const log = createWriteStream(logPath);
  const config = options.configPath ?? ws.configPath;
  const meshdArgs = ['run', '--dir', ws.dir, '--config', config, '--listen', `127.0.0.1:${port}`, '--log-level', options.logLevel ?? 'warn'];
  const env = { ...process.env, ...options.env };
  if (options.cli !== undefined && options.nodeArgs !== undefined && options.nodeArgs.length > 0)
    env.NODE_OPTIONS = [env.NODE_OPTIONS, ...options.nodeArgs].filter((o) => o !== undefined && o !== '').join(' ');
  const [command, ...args] =
    options.cli === undefined ? [process.execPath, ...(options.nodeArgs ?? []), ...MEASURED_MESHD, usage, ...meshdArgs] : [...options.cli, ...meshdArgs];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const closed = new Promise<void>((resolve) =>
    child.on('close', () => {
      exited = true;
      resolve();
    }),
  );
  const ready = async (timeoutMs = 600_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`meshd run exited before it was ready (log: ${logPath})`);
      if (
        await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        )
      )
        return;
      if (Date.now() > deadline) throw new Error(`meshd run not ready after ${timeoutMs} ms`);
      await sleep(100);
    }
  };
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await closed;
    clearTimeout(killer);
    await rm(usage, { force: true });
  };
  return { pid: child.pid ?? 0, url: `http://127.0.0.1:${port}`, logPath, ready, stop };
}
