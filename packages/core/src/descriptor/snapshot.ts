/**
 * A cluster directory captured at one instant, as plain data. Reading it is the only I/O of
 * validation (see read-snapshot.ts); everything after it is pure, so a snapshot can be built by hand
 * in tests. The snapshot owns copies of the bytes: nobody mutates it after it is built.
 */
export interface DirectorySnapshot {
  /** The directory as the caller named it (for messages only). */
  dir: string;
  /** Per-file size limit the reader applied, in bytes. */
  maxFileBytes: number;
  /** Regular files by plain name: descriptors (`.yaml`/`.yml`) and candidate kubeconfigs. */
  files: Record<string, SnapshotFile>;
  /** Entries ignored by name, with the reason (hidden file, editor artefact): never descriptors or kubeconfigs. */
  skipped: Record<string, string>;
  /**
   * Entries meshd would read by name but could not use as a file of the directory: what each one
   * is (a directory, a FIFO, a dangling symlink, a symlink out of the directory…). Their content was
   * never read. Validation reports those named like descriptors and those a descriptor names.
   */
  unusable: Record<string, UnusableEntry>;
  /** Set when the directory itself could not be listed (missing, not a directory, no permission). */
  problem?: string;
}

/** One regular file of the directory. */
export interface SnapshotFile {
  /** The content; empty when the file was over the size limit or could not be read. */
  bytes: Uint8Array;
  /** Size on disk in bytes. */
  size: number;
  /** Permission bits (`st_mode & 0o777`), for the "readable by others" warning. */
  mode: number;
  /** True when `size` is over the snapshot's limit and the content was not read. */
  tooLarge?: boolean;
  /** Set when reading failed (e.g. permission denied). */
  readError?: string;
}

/** Why an entry is not a regular file meshd may read. */
export type UnusableKind = 'dangling-symlink' | 'symlink-outside' | 'directory' | 'fifo' | 'socket' | 'device' | 'special' | 'unexaminable' | 'vanished';

/** A directory entry that is not a regular file meshd may read (see DirectorySnapshot.unusable). Plain data. */
export interface UnusableEntry {
  kind: UnusableKind;
  /** The error code when the entry could not be examined (e.g. EACCES). */
  code?: string;
}

/** The sentence predicate for each unusable kind whose wording does not depend on an error code. */
const UNUSABLE_PREDICATES: Record<Exclude<UnusableKind, 'unexaminable'>, string> = {
  'dangling-symlink': 'is a symbolic link whose target does not exist',
  'symlink-outside': 'is a symbolic link to a file outside the cluster directory, which meshd does not follow',
  directory: 'is a directory, not a file',
  fifo: 'is a named pipe (FIFO), not a regular file',
  socket: 'is a socket, not a regular file',
  device: 'is a device, not a regular file',
  special: 'is not a regular file',
  vanished: 'vanished or changed while meshd read the directory',
};

/** What an unusable entry is, as the predicate of a sentence about the file ("is a named pipe (FIFO)…"). */
export function describeUnusable(entry: UnusableEntry): string {
  if (entry.kind === 'unexaminable') return `cannot be examined (${entry.code ?? 'unknown error'})`;
  return UNUSABLE_PREDICATES[entry.kind];
}

/** Default per-file limit: a ConfigMap holds at most 1 MiB, so no single file may be larger. */
export const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Size limit of a cluster descriptor: real ones are under 1 KiB, so 64 KiB leaves room for dozens
 * of clusters in one file while keeping a hostile file cheap to refuse (parsing YAML costs about
 * 1 s and 200 MB per MiB). A `.yaml` file that a descriptor names as its kubeconfig may use the
 * full MAX_FILE_BYTES.
 */
export const MAX_DESCRIPTOR_BYTES = 64 * 1024;

/** Total size limit of everything published in the registry ConfigMap. */
export const MAX_REGISTRY_BYTES = 1024 * 1024;

/** True for the names meshd reads as cluster descriptors. */
export function isDescriptorFileName(name: string): boolean {
  return /\.ya?ml$/i.test(name) && ignoredReason(name) === undefined;
}

const EDITOR_SUFFIXES = ['~', '.bak', '.orig', '.tmp', '.swp', '.swo', '.swx', '.rej', '.part', '.crdownload'];

/**
 * Why a directory entry is ignored, or undefined when meshd reads it. Hidden files (`.x`, which
 * covers vim's `.x.swp` and emacs' `.#x` locks), emacs autosaves (`#x#`), backups (`x~`, `x.bak`,
 * `x.orig`), temp files (`x.tmp`, vim's `4913` probe, JetBrains' `x___jb_tmp___`), package-manager
 * leftovers (`x.dpkg-new`, `x.rpmnew`) are editor or tool artefacts, never descriptors.
 */
export function ignoredReason(name: string): string | undefined {
  if (name.startsWith('.')) return 'hidden file';
  if (name.startsWith('#') && name.endsWith('#')) return 'editor autosave file';
  if (name === '4913' || /___jb_(tmp|old|bak)___$/.test(name)) return 'editor temporary file';
  const lower = name.toLowerCase();
  if (EDITOR_SUFFIXES.some((suffix) => lower.endsWith(suffix))) return 'editor backup or temporary file';
  if (/\.(dpkg-(new|old|dist|tmp)|rpm(new|save|orig)|ucf-(new|old|dist))$/.test(lower)) return 'package manager leftover';
  return undefined;
}

/** Decodes file bytes as UTF-8, or returns undefined for binary content (invalid UTF-8 or NUL bytes). */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
