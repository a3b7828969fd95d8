import type { Logger } from '@meshd/core';

/** One captured log call. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object | string;
  msg?: string;
  bindings: Record<string, unknown>;
}

/** A Logger that records every call in `entries` (shared with its children); for tests. */
export function recordingLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const at = (level: LogEntry['level']) => (obj: object | string, msg?: string): void => {
    const entry: LogEntry = { level, obj, bindings };
    if (msg !== undefined) entry.msg = msg;
    entries.push(entry);
  };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(entries, { ...bindings, ...more }),
  };
}

/** A Logger that drops everything; for tests. */
export function silentLogger(): Logger {
  return recordingLogger([]);
}
