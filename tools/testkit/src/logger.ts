import type { Logger } from '@meshd/core';

/** One captured log call. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object | string;
  msg?: string;
  bindings: Record<string, unknown>;
}

/** A Logger whose calls can be read back. */
export type RecordingLogger = Logger & {
  entries: LogEntry[];
  /** Every call as one JSON line (to check, say, that no secret value ever reaches a log). */
  lines(): string[];
};

/** A Logger that records every call in `entries` (shared with its children); for tests and benchmarks. */
export function recordingLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): RecordingLogger {
  const at =
    (level: LogEntry['level']) =>
    (obj: object | string, msg?: string): void => {
      const entry: LogEntry = { level, obj, bindings };
      if (msg !== undefined) entry.msg = msg;
      entries.push(entry);
    };
  return {
    entries,
    lines: () => entries.map((e) => JSON.stringify(e)),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(entries, { ...bindings, ...more }),
  };
}

/** A Logger that keeps nothing anyone reads; for tests and benchmarks. */
export function silentLogger(): Logger {
  return recordingLogger([]);
}
