import type { Logger } from '@meshd/core';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { Redactor } from '../../output/redact.js';

/** Options of createDaemonLogger. */
export interface DaemonLoggerOptions {
  /** Where log lines go (stdout: journald under systemd). */
  destination: DestinationStream & { isTTY?: boolean };
  /** Readable colored lines instead of JSON; default: when the destination is a TTY. */
  pretty?: boolean;
  level?: string;
  /** Every line is scrubbed of known credentials before it is written. */
  redactor: Redactor;
}

/**
 * The daemon's root logger: pino JSON lines (one object per line, for journald and log shippers),
 * or pino-pretty when a human watches a terminal. Every line passes through the redactor, so a
 * credential that slipped into an error message is still never written (rule 6). Owned by the
 * daemon; components get children.
 */
export function createDaemonLogger(options: DaemonLoggerOptions): PinoLogger & Logger {
  const readable = options.pretty ?? options.destination.isTTY === true;
  const stream: DestinationStream = readable
    ? pretty({
        destination: options.destination,
        colorize: options.destination.isTTY === true,
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
      })
    : options.destination;
  return pino(
    {
      level: options.level ?? 'info',
      base: { name: 'meshd' },
      hooks: { streamWrite: (line: string) => options.redactor.scrub(line) },
      serializers: { err: pino.stdSerializers.err },
    },
    stream,
  );
}
