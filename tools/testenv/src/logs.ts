import { readFileSync } from 'node:fs';

/** The last `lines` lines of a log file, or a note that it cannot be read. */
export function logTail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
