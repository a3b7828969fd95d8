// The set-up the in-process daemon tests share: a Daemon on a given config, listening on a free
// port of 127.0.0.1, its JSON log lines kept in memory (the tests read what it logged).
import { Writable } from 'node:stream';
import type { MeshdConfig } from '@meshd/core';
import { Daemon, type DaemonOptions } from '../../src/daemon/daemon.js';
import { createDaemonLogger } from '../../src/daemon/process/logger.js';
import { Redactor } from '../../src/output/redact.js';

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
