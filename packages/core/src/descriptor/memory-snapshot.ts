import { MAX_FILE_BYTES, type DirectorySnapshot, type SnapshotFile } from './snapshot.js';

/** A file for snapshotFromContents: text or bytes, with an optional mode (default 0600). */
export type MemoryFile = string | Uint8Array | { content: string | Uint8Array; mode?: number };

/**
 * Builds a DirectorySnapshot from in-memory contents, applying the size limit as the reader does.
 * Pure: for tests, and for validating content that does not come from disk (e.g. a published registry).
 */
export function snapshotFromContents(files: Readonly<Record<string, MemoryFile>>, options: { dir?: string; maxFileBytes?: number } = {}): DirectorySnapshot {
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  const entries = Object.entries(files).map(([name, file]): [string, SnapshotFile] => {
    const { content, mode } = typeof file === 'string' || file instanceof Uint8Array ? { content: file, mode: 0o600 } : file;
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    const base = { size: bytes.length, mode: mode ?? 0o600 };
    return [name, bytes.length > maxFileBytes ? { ...base, bytes: new Uint8Array(0), tooLarge: true } : { ...base, bytes }];
  });
  return { dir: options.dir ?? '.', maxFileBytes, files: Object.fromEntries(entries), skipped: {}, unusable: {} };
}
