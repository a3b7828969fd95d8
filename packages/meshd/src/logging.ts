import pino from 'pino';
import type { Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

/** Options of createLogger. */
export interface LoggerOptions {
  level: string;
  /** Human-readable lines (pino-pretty) instead of JSON; use when the stream is a TTY. */
  pretty: boolean;
  /** File descriptor to write to: 1 (stdout, the daemon, for journald) or 2 (stderr, one-shot commands). */
  fd: 1 | 2;
  /** Where JSON lines go instead of `fd` (a command's io, which scrubs credentials); not with `pretty`. */
  write?: (line: string) => void;
}

/**
 * The process logger. Credentials are redacted by path as a second line of defence: meshd never
 * logs kubeconfigs or secret data in the first place. pino-pretty runs in this thread as a stream,
 * never as a worker-thread transport, so the bundle of `npm run dist` needs no node_modules.
 */
export function createLogger(options: LoggerOptions): PinoLogger {
  const redact = { paths: ['*.token', '*.kubeconfigText', '*.data', '*.password', 'headers.authorization'], censor: '[redacted]' };
  if (options.pretty) {
    return pino(
      { level: options.level, redact },
      pretty({ destination: options.fd, sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
    );
  }
  const { write } = options;
  if (write) return pino({ level: options.level, redact }, { write: (line: string) => write(line) });
  return pino({ level: options.level, redact }, pino.destination({ fd: options.fd, sync: true }));
}
