import { ignoredReason } from '@meshd/core/descriptor';
import type { Logger } from '@meshd/core';
import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { CollectingDebouncer } from './debounce.js';
import { watchPresence, type DirectoryIdentity, type PresenceLook } from './dir-presence.js';

/** Options of watchDirectory. */
export interface DirectoryWatchOptions {
  /** The cluster directory (not watched recursively). */
  dir: string;
  /**
   * Called with the plain names of the files that were added, changed or removed in one burst;
   * DIRECTORY_ITSELF among them when the directory itself went, came back or was replaced.
   */
  onChange: (names: string[]) => void;
  logger: Logger;
  /** Quiet time that ends a burst; default DIRECTORY_QUIET_MS. */
  debounceMs?: number;
  /** A burst is reported at the latest this long after it began; default 2 s. */
  maxWaitMs?: number;
  /** How long a file's size must stay the same before it counts as written; default WRITE_SETTLE_MS. */
  writeSettleMs?: number;
  /** How often the directory's identity is checked besides the parent's events; default 1 s. */
  presencePollMs?: number;
}

/** A running directory watch; close() stops it (idempotent). */
export interface DirectoryWatch {
  /** Resolves once the initial scan is done and changes are being reported. */
  ready: Promise<void>;
  /** Why the directory cannot be watched right now ("does not exist"…), undefined while it is there. */
  problem(): string | undefined;
  close(): Promise<void>;
}

/**
 * Quiet time that ends a burst of directory events: 50 ms. Files copied in together (a descriptor
 * and its kubeconfig) arrive within milliseconds of each other, and an editor's save (temp file,
 * rename) is one burst; waiting longer only delays the pass (a dropped file reached a converged
 * remote in 685 ms with 300 ms here and 150 ms of write settling, 317 ms with 100 and 50). A burst that
 * is split anyway costs a second pass, since the directory is re-read whole each time (level-based),
 * and a file read half-written fails validation and is re-read when its write ends: nothing is
 * lost either way. (Kubernetes controllers do not debounce at all: the work queue merges a key's
 * events while it waits, as meshd's does; only the file system's bursts need a window.)
 */
export const DIRECTORY_QUIET_MS = 50;
/** How long a file's size must stay the same before it counts as written: 30 ms (polled every 10 ms). */
export const WRITE_SETTLE_MS = 30;

/** The name onChange receives when the directory itself changed: re-read all of it. */
export const DIRECTORY_ITSELF = '.';

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

function watchEntries(dir: string, settle: number, onEntry: (event: string, path: string) => void, logger: Logger): FSWatcher {
  const watcher: FSWatcher = watch(dir, {
    depth: 0,
    ignoreInitial: true,
    persistent: true,
    atomic: true,
    ignored: (path: string, stats?: Stats) => isIgnoredEntry(dir, path, stats),
    awaitWriteFinish: { stabilityThreshold: settle, pollInterval: Math.max(10, Math.round(settle / 4)) },
  });
  watcher.on('all', onEntry);
  watcher.on('error', (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err), dir }, 'directory watch error'));
  return watcher;
}

function logLook(logger: Logger, dir: string, look: PresenceLook): void {
  const { before, after } = look;
  if (look.change === 'gone' && !after.present) logger.warn({ dir, problem: after.problem }, 'cluster directory is gone');
  else if (look.change === 'back' && after.present) logger.info({ dir, realpath: after.realpath }, 'cluster directory is back');
  else if (look.change === 'replaced' && before.present && after.present)
    logger.info({ dir, from: before.realpath, to: after.realpath }, 'cluster directory was replaced');
  else logger.debug({ dir }, 'cluster directory renamed in its parent; watching it afresh');
}

/**
 * Watches the cluster directory with chokidar (no globs: entries are filtered with `ignored`),
 * waits for files to finish being written, and debounces bursts into one onChange call. The watch
 * only reports names; the caller re-reads the directory (level-based), so a missed or merged event
 * costs nothing but a later resync. The directory itself may come and go: its name is watched in
 * the parent (watchPresence), and when it is removed, restored, swapped (a symlink `mv -T`/`ln -sfn`)
 * or mounted, the entry watch is re-armed on what the path now leads to and DIRECTORY_ITSELF is
 * reported (after the new watch is ready, so nothing written in between is missed by the re-read).
 */
export function watchDirectory(options: DirectoryWatchOptions): DirectoryWatch {
  const dir = resolve(options.dir);
  const { logger } = options;
  const debouncer = new CollectingDebouncer<string>(options.onChange, {
    quietMs: options.debounceMs ?? DIRECTORY_QUIET_MS,
    maxWaitMs: options.maxWaitMs ?? 2000,
  });
  const settle = options.writeSettleMs ?? WRITE_SETTLE_MS;
  let entries: FSWatcher | undefined;
  let closed = false;

  const onEntry = (event: string, path: string): void => {
    if (event !== 'add' && event !== 'change' && event !== 'unlink') return;
    if (isIgnoredEntry(dir, path)) return;
    logger.debug({ event, file: basename(path) }, 'directory entry changed');
    debouncer.push(basename(path));
  };
  const rearm = async (identity: DirectoryIdentity): Promise<void> => {
    const old = entries;
    entries = undefined;
    await old?.close();
    if (!identity.present || closed) return;
    const next = watchEntries(dir, settle, onEntry, logger);
    entries = next;
    await new Promise<void>((done) => next.once('ready', () => done()));
    if (closed) await next.close();
  };
  const presence = watchPresence({
    dir,
    pollMs: options.presencePollMs ?? 1000,
    onLook: async (look) => {
      if (look.first && !look.after.present) logger.warn({ dir, problem: look.after.problem }, 'cluster directory is missing; waiting for it');
      if (!look.first) logLook(logger, dir, look);
      await rearm(look.after).catch((err: unknown) =>
        logger.warn({ dir, err: err instanceof Error ? err.message : String(err) }, 'cannot watch the cluster directory afresh'),
      );
      if (!look.first && !closed) debouncer.push(DIRECTORY_ITSELF);
    },
  });
  return {
    ready: presence.initial,
    problem: () => {
      const now = presence.current();
      return now.present ? undefined : now.problem;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      presence.close();
      debouncer.cancel();
      await entries?.close();
    },
  };
}
