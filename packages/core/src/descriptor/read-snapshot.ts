import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ignoredReason, MAX_FILE_BYTES, type DirectorySnapshot, type SnapshotFile } from './snapshot.js';

/** Options of readDirectorySnapshot. */
export interface ReadSnapshotOptions {
  /** Files larger than this are recorded (size, mode) but not read. Default MAX_FILE_BYTES (1 MiB). */
  maxFileBytes?: number;
}

const PARALLEL_READS = 32;

/**
 * Reads the cluster directory (not recursively) into a plain-data snapshot: every regular file
 * that is not hidden or an editor artefact, with its bytes, size and mode. Descriptors are the
 * `.yaml`/`.yml` files; the other files are read too because descriptors name their kubeconfigs
 * freely, and this keeps validation pure. Never throws: a missing directory becomes
 * `snapshot.problem`, an unreadable file `readError`, an oversized one `tooLarge`.
 */
export async function readDirectorySnapshot(dir: string, options: ReadSnapshotOptions = {}): Promise<DirectorySnapshot> {
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  const snapshot: DirectorySnapshot = { dir, maxFileBytes, files: {}, skipped: {} };
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    snapshot.problem = describeDirectoryError(err);
    return snapshot;
  }
  const wanted = names.filter((name) => {
    const reason = ignoredReason(name);
    if (reason !== undefined) snapshot.skipped[name] = reason;
    return reason === undefined;
  });
  for (let i = 0; i < wanted.length; i += PARALLEL_READS) {
    const batch = wanted.slice(i, i + PARALLEL_READS);
    const entries = await Promise.all(batch.map((name) => readEntry(join(dir, name), maxFileBytes)));
    batch.forEach((name, j) => {
      const entry = entries[j];
      if (entry === undefined) return;
      if (typeof entry === 'string') snapshot.skipped[name] = entry;
      else snapshot.files[name] = entry;
    });
  }
  return snapshot;
}

/** Reads one entry: a SnapshotFile, or the reason it is skipped (not a regular file). */
async function readEntry(path: string, maxFileBytes: number): Promise<SnapshotFile | string> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    return isNotFound(err) ? 'vanished or a dangling symlink' : `cannot be examined: ${errorCode(err)}`;
  }
  if (info.isDirectory()) return 'directory';
  if (!info.isFile()) return 'not a regular file';
  const base = { size: info.size, mode: info.mode & 0o777 };
  if (info.size > maxFileBytes) return { ...base, bytes: new Uint8Array(0), tooLarge: true };
  try {
    const bytes = new Uint8Array(await readFile(path));
    if (bytes.length > maxFileBytes) return { ...base, size: bytes.length, bytes: new Uint8Array(0), tooLarge: true };
    return { ...base, size: bytes.length, bytes };
  } catch (err) {
    return { ...base, bytes: new Uint8Array(0), readError: `cannot be read: ${errorCode(err)}` };
  }
}

function describeDirectoryError(err: unknown): string {
  const code = errorCode(err);
  if (code === 'ENOENT') return 'directory does not exist';
  if (code === 'ENOTDIR') return 'is not a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'directory cannot be read: permission denied';
  return `directory cannot be read: ${code}`;
}

function isNotFound(err: unknown): boolean {
  return errorCode(err) === 'ENOENT';
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}
