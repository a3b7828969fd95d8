import { watch, type FSWatcher } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/**
 * What the cluster directory's path leads to right now: a directory (which one: its real path and
 * inode, so a replacement shows even under the same name), or why there is none. Plain data.
 */
export type DirectoryIdentity = { present: true; realpath: string; dev: number; ino: number; birthtimeMs: number } | { present: false; problem: string };

/** How the directory changed between two looks: the operator removed, restored or swapped it. */
export type PresenceChange = 'gone' | 'back' | 'replaced';

/** The change from `before` to `after`, or undefined when it is the same directory (or still missing). Pure. */
export function presenceChange(before: DirectoryIdentity, after: DirectoryIdentity): PresenceChange | undefined {
  if (!before.present) return after.present ? 'back' : undefined;
  if (!after.present) return 'gone';
  const same = before.realpath === after.realpath && before.dev === after.dev && before.ino === after.ino && before.birthtimeMs === after.birthtimeMs;
  return same ? undefined : 'replaced';
}

function codeOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}

/** Why a directory path is unusable, in the words /readyz and the logs use. Pure. */
export function describeMissing(code: string): string {
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'ENOTDIR') return 'is not a directory';
  if (code === 'ELOOP') return 'is a symlink loop';
  if (code === 'EACCES' || code === 'EPERM') return 'cannot be examined: permission denied';
  return `cannot be examined: ${code}`;
}

/** Looks at the directory path (following symlinks): which directory it is, or why there is none. Never throws. */
export async function readDirectoryIdentity(dir: string): Promise<DirectoryIdentity> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return { present: false, problem: describeMissing('ENOTDIR') };
    return { present: true, realpath: await realpath(dir), dev: info.dev, ino: info.ino, birthtimeMs: info.birthtimeMs };
  } catch (err) {
    return { present: false, problem: describeMissing(codeOf(err)) };
  }
}

/** One look at the directory that the presence watch hands over. */
export interface PresenceLook {
  before: DirectoryIdentity;
  after: DirectoryIdentity;
  /** undefined when it is the same directory; a rename event alone (same identity) still re-arms. */
  change: PresenceChange | undefined;
  /** True when the parent directory reported an entry of the directory's name created, removed or renamed. */
  renamed: boolean;
  /** True for the look at start-up (`before` is then a placeholder): always handed over. */
  first: boolean;
}

/** Options of watchPresence. */
export interface PresenceWatchOptions {
  dir: string;
  /** Called, one at a time: for the first look, then when the identity changed or the parent reported the name renamed. */
  onLook(look: PresenceLook): Promise<void>;
  /** The safety net for what the parent watch cannot see (a mount, a symlink further up swapped); default 1 s. */
  pollMs?: number;
  /** Parent events are coalesced this long (`ln -s v2 D.new && mv -T D.new D` is two); default 50 ms. */
  settleMs?: number;
}

/** A running presence watch; close() stops it (idempotent). */
export interface PresenceWatch {
  /** Resolves once onLook of the first look has. */
  initial: Promise<void>;
  /** The identity of the newest look. */
  current(): DirectoryIdentity;
  close(): void;
}

/**
 * Watches the directory's own name: the parent directory (inotify through fs.watch, re-armed when
 * the parent itself comes back) for entries of that name, plus a cheap stat every `pollMs` for what
 * no event shows (a filesystem mounted late, a symlink swapped further up the path). It owns only
 * its watch and timer; what a look means (re-arm the entry watch, re-read the directory) is the
 * caller's. Looks are serialised: the next starts after onLook of the previous resolved.
 */
export function watchPresence(options: PresenceWatchOptions): PresenceWatch {
  const { dir } = options;
  const name = basename(dir);
  let current: DirectoryIdentity = { present: false, problem: 'not looked at yet' };
  let parentWatch: FSWatcher | undefined;
  let closed = false;
  let settleTimer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const look = (renamed: boolean, first = false): Promise<void> => {
    chain = chain
      .then(async () => {
        if (closed) return;
        const after = await readDirectoryIdentity(dir);
        const before = current;
        current = after;
        const change = presenceChange(before, after);
        // A parent that was removed (or replaced) leaves a dead inotify watch behind: watch it afresh.
        if (change !== undefined || !after.present) rearmParent();
        if (change !== undefined || renamed || first) await options.onLook({ before, after, change: first ? undefined : change, renamed, first });
      })
      .catch(() => undefined);
    return chain;
  };

  const onParentEvent = (event: string, filename: string | Buffer | null): void => {
    if (event !== 'rename' || (filename !== null && String(filename) !== name)) return;
    if (settleTimer !== undefined) return;
    settleTimer = setTimeout(() => {
      settleTimer = undefined;
      void look(true);
    }, options.settleMs ?? 50);
  };

  function rearmParent(): void {
    parentWatch?.close();
    parentWatch = undefined;
    armParent();
  }

  function armParent(): void {
    if (parentWatch !== undefined || closed) return;
    try {
      const w = watch(dirname(dir), { persistent: false }, onParentEvent);
      w.on('error', () => {
        w.close();
        if (parentWatch === w) parentWatch = undefined;
      });
      parentWatch = w;
    } catch {
      parentWatch = undefined; // the parent is missing too: the poll re-arms it once it is back
    }
  }

  armParent();
  const initial = look(false, true);
  const poll = setInterval(() => void look(false), options.pollMs ?? 1000);
  poll.unref();

  return {
    initial,
    current: () => current,
    close: () => {
      closed = true;
      clearInterval(poll);
      if (settleTimer !== undefined) clearTimeout(settleTimer);
      parentWatch?.close();
      parentWatch = undefined;
    },
  };
}
