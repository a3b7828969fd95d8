import pino from 'pino';
import type { Logger as PinoLogger } from 'pino';

/** Options of createLogger. */
export interface LoggerOptions {
  level: string;
  /** File descriptor to write to: 1 (stdout, the daemon, for journald) or 2 (stderr, one-shot commands). */
  fd: 1 | 2;
  /** Where JSON lines go instead of `fd` (a command's io, which scrubs credentials). */
  write?: (line: string) => void;
}

/**
 * The process logger. Credentials are redacted by path as a second line of defence: meshd never
 * logs kubeconfigs or secret data in the first place. JSON lines only: the one-shot commands never
 * load pino-pretty (~30 modules at start-up); the daemon's logger (daemon/logger.ts) has the
 * human-readable form.
 */
export function createLogger(options: LoggerOptions): PinoLogger {
  const redact = { paths: ['*.token', '*.kubeconfigText', '*.data', '*.password', 'headers.authorization'], censor: '[redacted]' };
  const { write } = options;
  if (write) return pino({ level: options.level, redact }, { write: (line: string) => write(line) });
  return pino({ level: options.level, redact }, pino.destination({ fd: options.fd, sync: true }));
}
