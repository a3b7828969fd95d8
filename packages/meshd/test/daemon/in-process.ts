// The set-up the in-process daemon tests share: a Daemon on a given config, listening on a free
// port of 127.0.0.1, its JSON log lines kept in memory (the tests read what it logged).
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { captureIo, freePort } from '@meshd/testkit';
import type { MeshdConfig } from '@meshd/core';
import { Daemon, type DaemonOptions } from '../../src/daemon/daemon.js';
import { createDaemonLogger } from '../../src/daemon/process/logger.js';
import { Redactor } from '../../src/output/redact.js';
import { runDaemon, type RunProcess } from '../../src/cli/commands/run.js';

/** A daemon made by inProcessDaemon, not started yet, and the lines it logs (appended as it logs). */
export interface InProcessDaemon {
  daemon: Daemon;
  lines: string[];
}

/**
 * A Daemon with `config` (and a reload that returns it), JSON logs at `level` into `lines`, the
 * health server on 127.0.0.1:0, and `options` on top (a leader election, an injected clock or
 * version source). The caller starts it and shuts it down.
 */
export function inProcessDaemon(config: MeshdConfig, options: Partial<DaemonOptions> = {}, level = 'info'): InProcessDaemon {
  const lines: string[] = [];
  const redactor = new Redactor();
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const daemon = new Daemon({
    config,
    loadConfig: () => Promise.resolve(config),
    logger: createDaemonLogger({ destination, redactor, pretty: false, level }),
    redactor,
    listen: { host: '127.0.0.1', port: 0 },
    ...options,
  });
  return { daemon, lines };
}

/** `meshd run` started in this process by runDaemonInProcess: its URL, its log lines, its signals and its exit. */
export interface RunningDaemon {
  url: string;
  logs: string[];
  /** Emit 'SIGTERM' (or 'SIGHUP') here to signal the daemon. */
  signals: EventEmitter;
  exitCode: Promise<number>;
}

/**
 * Runs `meshd run` (runDaemon, as the CLI does) on the workspace's directory and config, listening on a
 * free port of 127.0.0.1, its log lines kept in memory; resolves once it says it is running.
 */
export async function runDaemonInProcess(
  ws: { root: string; dir: string; configPath: string },
  pid: number,
  until: (what: string, probe: () => Promise<true | undefined>) => Promise<unknown>,
): Promise<RunningDaemon> {
  const logs: string[] = [];
  const signals = new EventEmitter();
  const proc: RunProcess = {
    signals: { on: (s, l) => signals.on(s, l), off: (s, l) => signals.off(s, l) },
    stdout: new Writable({
      write(chunk, _e, cb) {
        logs.push(String(chunk));
        cb();
      },
    }),
    pid,
    hostname: 'test-bastion',
    exit: () => undefined,
  };
  const port = await freePort();
  const io = Object.assign(captureIo(ws.root), { setExitCode: () => undefined, redactor: new Redactor() });
  const exitCode = runDaemon({ dir: ws.dir, config: ws.configPath, listen: `127.0.0.1:${port}`, logLevel: 'info' }, io, proc);
  void exitCode.then((code) => code !== 0 && logs.push(`runDaemon exited ${code}: ${io.stderrText}`));
  await until('the daemon to listen', () => Promise.resolve(logs.some((l) => l.includes('meshd is running')) ? true : undefined));
  return { url: `http://127.0.0.1:${port}`, logs, signals, exitCode };
}
