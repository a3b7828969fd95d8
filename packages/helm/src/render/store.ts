import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from './hash.js';

/** Bump when what an entry holds changes meaning: every older entry becomes a miss. */
const FORMAT = 1;
/** Entries kept; the least recently written go first. */
const MAX_ENTRIES = 64;

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Where the operating system finds `binary`: itself when it names a path, else the first executable match on PATH. */
async function locate(binary: string, pathVariable: string | undefined): Promise<string | undefined> {
  if (binary.includes('/')) return binary;
  for (const dir of (pathVariable ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, binary);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The identity of a helm executable: the real path `binary` resolves to (through PATH and
 * symbolic links) and what stat says of that file (size, modification and change times, inode).
 * Installing another helm there, upgrading it in place or repointing PATH or a symlink changes it.
 * undefined when the binary cannot be found: nothing is stored or reused then.
 */
export async function helmBinaryIdentity(binary: string, pathVariable: string | undefined): Promise<string | undefined> {
  try {
    const found = await locate(binary, pathVariable);
    if (found === undefined) return undefined;
    const real = await realpath(found);
    const s = await stat(real, { bigint: true });
    return JSON.stringify([real, String(s.size), String(s.mtimeNs), String(s.ctimeNs), String(s.ino), String(s.dev)]);
  } catch {
    return undefined;
  }
}

/**
 * What helm answered, kept on the bastion between meshd processes: `helm version` (keyed by the
 * binary's identity) and `helm template`'s output (keyed by the binary's identity, its arguments,
 * the values and the chart's digest), so a one-shot `meshd apply` with nothing to change runs no
 * helm at all. Files in `dir` (meshd's state directory, `helm-cache/`), 0600 in a 0700 directory,
 * named by the SHA-256 of their key and holding the key itself: a damaged, unreadable or foreign
 * entry is a miss, and a failed write only costs the next process a helm run. It decides nothing;
 * callers choose what goes into a key. Owns its directory; keeps the newest 64 entries.
 */
export class HelmStore {
  constructor(readonly dir: string) {}

  /** The stored text for `key`, or undefined. */
  async get(key: readonly unknown[]): Promise<string | undefined> {
    const text = JSON.stringify([FORMAT, ...key]);
    try {
      const entry = JSON.parse(await readFile(this.file(text), 'utf8')) as { key?: unknown; text?: unknown };
      return entry.key === text && typeof entry.text === 'string' ? entry.text : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores `value` under `key` (atomically: a reader sees the old entry or the new one). Never throws. */
  async put(key: readonly unknown[], value: string): Promise<void> {
    const text = JSON.stringify([FORMAT, ...key]);
    const file = this.file(text);
    const temp = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFile(temp, JSON.stringify({ key: text, text: value }), { mode: 0o600 });
      await rename(temp, file);
      await this.prune();
    } catch {
      await unlink(temp).catch(() => undefined);
    }
  }

  private file(keyText: string): string {
    return path.join(this.dir, `${sha256Hex(keyText)}.json`);
  }

  private async prune(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    if (names.length <= MAX_ENTRIES) return;
    const dated = await Promise.all(names.map(async (n) => ({ n, at: (await stat(path.join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })));
    dated.sort((a, b) => a.at - b.at);
    await Promise.all(dated.slice(0, dated.length - MAX_ENTRIES).map((d) => unlink(path.join(this.dir, d.n)).catch(() => undefined)));
  }
}

/** The HelmStore of a state directory (its `helm-cache/`), or undefined without one. */
export function helmStoreIn(stateDirectory: string | undefined): HelmStore | undefined {
  return stateDirectory === undefined ? undefined : new HelmStore(path.join(stateDirectory, 'helm-cache'));
}
