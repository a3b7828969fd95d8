import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ignoredReason, MAX_FILE_BYTES, type DirectorySnapshot, type SnapshotFile, type UnusableEntry } from './snapshot.js';

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
 * freely, and this keeps validation pure. Never throws and never blocks: a missing directory
 * becomes `snapshot.problem`, an unreadable file `readError`, an oversized one `tooLarge`; an entry
 * that is not a regular file inside the directory (directory, FIFO, socket, dangling symlink,
 * symlink leading out of the directory, stat failing) goes to `unusable` without being opened.
 */
export async function readDirectorySnapshot(dir: string, options: ReadSnapshotOptions = {}): Promise<DirectorySnapshot> {
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  const snapshot: DirectorySnapshot = { dir, maxFileBytes, files: {}, skipped: {}, unusable: {} };
  let names: string[];
  let realDir: string;
  try {
    names = (await readdir(dir)).sort();
    realDir = await realpath(dir);
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
    const entries = await Promise.all(batch.map((name) => readEntry(join(dir, name), realDir, maxFileBytes)));
    batch.forEach((name, j) => {
      const entry = entries[j];
      if (entry === undefined) return;
      if ('kind' in entry) snapshot.unusable[name] = entry;
      else snapshot.files[name] = entry;
    });
  }
  return snapshot;
}

/**
 * Reads one entry, or says why it is unusable. lstat first, then the symlink's target (realpath,
 * which must stay inside the directory), then stat: only a regular file is ever opened, and it is
 * opened non-blocking without following a symlink, then checked again (fstat) in case it was
 * swapped for something else in between.
 */
async function readEntry(path: string, realDir: string, maxFileBytes: number): Promise<SnapshotFile | UnusableEntry> {
  let target = path;
  try {
    if ((await lstat(path)).isSymbolicLink()) {
      target = await realpath(path).catch((err: unknown) => {
        throw isNotFound(err) || errorCode(err) === 'ELOOP' ? new DanglingLink() : err;
      });
      if (!isInside(realDir, target)) return { kind: 'symlink-outside' };
    }
    const kind = unusableKind(await stat(target));
    if (kind !== undefined) return { kind };
  } catch (err) {
    if (err instanceof DanglingLink) return { kind: 'dangling-symlink' };
    return isNotFound(err) ? { kind: 'vanished' } : { kind: 'unexaminable', code: errorCode(err) };
  }
  return readRegularFile(target, maxFileBytes);
}

async function readRegularFile(path: string, maxFileBytes: number): Promise<SnapshotFile | UnusableEntry> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ELOOP') return { kind: 'vanished' };
    return { bytes: new Uint8Array(0), size: 0, mode: 0, readError: `cannot be read: ${code}` };
  }
  try {
    const info = await handle.stat();
    const kind = unusableKind(info);
    if (kind !== undefined) return { kind };
    const base = { size: info.size, mode: info.mode & 0o777 };
    if (info.size > maxFileBytes) return { ...base, bytes: new Uint8Array(0), tooLarge: true };
    const read = await readAtMost(handle, maxFileBytes, info.size);
    if (read === undefined) return { ...base, size: maxFileBytes + 1, bytes: new Uint8Array(0), tooLarge: true };
    return { ...base, size: read.length, bytes: read };
  } catch (err) {
    return { bytes: new Uint8Array(0), size: 0, mode: 0, readError: `cannot be read: ${errorCode(err)}` };
  } finally {
    await handle.close();
  }
}

/**
 * Reads an open file to its end, stopping once it holds more than `maxBytes` (a file that grew since
 * its stat): the bytes read, or undefined when there were too many. The buffer starts at the size
 * the stat said (+1, to see the end) and doubles only for a file that grew: a 1 MiB buffer per file
 * (as before) zero-filled 1 GiB for a 1 000-file directory on every read of it, the daemon's largest
 * CPU cost at 500 clusters, and left that much garbage outside the V8 heap.
 */
async function readAtMost(handle: FileHandle, maxBytes: number, expectedBytes: number): Promise<Uint8Array | undefined> {
  let buffer = new Uint8Array(Math.min(expectedBytes, maxBytes) + 1);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const grown = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1));
      grown.set(buffer);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) return buffer.slice(0, length);
    length += bytesRead;
    if (length > maxBytes) return undefined;
  }
}

/** Marks a symlink whose target does not exist (or loops). */
class DanglingLink extends Error {}

function unusableKind(info: Stats): UnusableEntry['kind'] | undefined {
  if (info.isFile()) return undefined;
  if (info.isDirectory()) return 'directory';
  if (info.isFIFO()) return 'fifo';
  if (info.isSocket()) return 'socket';
  if (info.isBlockDevice() || info.isCharacterDevice()) return 'device';
  return 'special';
}

function isInside(realDir: string, target: string): boolean {
  const prefix = realDir.endsWith(sep) ? realDir : `${realDir}${sep}`;
  return target === realDir || target.startsWith(prefix);
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
