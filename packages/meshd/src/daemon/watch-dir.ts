import { ignoredReason } from '@meshd/core';
import type { Logger } from '@meshd/core';
import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { CollectingDebouncer } from './debounce.js';

/** Options of watchDirectory. */
export interface DirectoryWatchOptions {
  /** The cluster directory (not watched recursively). */
  dir: string;
  /** Called with the plain names of the files that were added, changed or removed in one burst. */
  onChange: (names: string[]) => void;
  logger: Logger;
  /** Quiet time that ends a burst; default 300 ms. */
  debounceMs?: number;
  /** A burst is reported at the latest this long after it began; default 2 s. */
  maxWaitMs?: number;
  /** How long a file's size must stay the same before it counts as written; default 150 ms. */
  writeSettleMs?: number;
}

/** A running directory watch; close() stops it (idempotent). */
export interface DirectoryWatch {
  /** Resolves once the initial scan is done and changes are being reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * True for the entries meshd does not care about: anything below the directory, subdirectories,
 * and editor or tool artefacts (hidden files, swap files, backups: core's ignoredReason). Every
 * other file counts, because descriptors name their kubeconfigs freely.
 */
export function isIgnoredEntry(dir: string, path: string, stats?: Stats): boolean {
  const full = resolve(path);
  if (full === dir) return false;
  if (dirname(full) !== dir) return true;
  if (stats?.isDirectory()) return true;
  return ignoredReason(basename(full)) !== undefined;
}

/**
 * Watches the cluster directory with chokidar (no globs: entries are filtered with `ignored`),
 * waits for files to finish being written, and debounces bursts into one onChange call. The watch
 * only reports names; the caller re-reads the directory (level-based), so a missed or merged event
 * costs nothing but a later resync.
 */
export function watchDirectory(options: DirectoryWatchOptions): DirectoryWatch {
  const dir = resolve(options.dir);
  const debouncer = new CollectingDebouncer<string>(options.onChange, { quietMs: options.debounceMs ?? 300, maxWaitMs: options.maxWaitMs ?? 2000 });
  const settle = options.writeSettleMs ?? 150;
  const watcher: FSWatcher = watch(dir, {
    depth: 0,
    ignoreInitial: true,
    persistent: true,
    atomic: true,
    ignored: (path: string, stats?: Stats) => isIgnoredEntry(dir, path, stats),
    awaitWriteFinish: { stabilityThreshold: settle, pollInterval: Math.max(10, Math.round(settle / 4)) },
  });
  watcher.on('all', (event: string, path: string) => {
    if (event !== 'add' && event !== 'change' && event !== 'unlink') return;
    if (isIgnoredEntry(dir, path)) return;
    options.logger.debug({ event, file: basename(path) }, 'directory entry changed');
    debouncer.push(basename(path));
  });
  watcher.on('error', (err: unknown) => options.logger.warn({ err: err instanceof Error ? err.message : String(err), dir }, 'directory watch error'));
  const ready = new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));
  let closed = false;
  return {
    ready,
    close: async () => {
      if (closed) return;
      closed = true;
      debouncer.cancel();
      await watcher.close();
    },
  };
}
