import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MeshdError } from '../errors.js';

/** Format marker of every state file; bump when the envelope changes. */
const FORMAT = 'meshd-state/v1';

/**
 * The envelope every state file is written in: the data, and the SHA-256 of its canonical JSON, so a
 * truncated or hand-edited file is detected instead of being read as a smaller memory.
 */
interface Envelope {
  format: string;
  sha256: string;
  data: unknown;
}

function digest(json: string): string {
  return createHash('sha256').update(json).digest('hex');
}

/**
 * The text of a state file holding `data`: the envelope `{"format","sha256","data"}` as JSON.stringify
 * writes it, with the data's JSON (the text its checksum covers) spliced in rather than parsed back
 * into an object and serialised a second time.
 */
export function encodeStateFile(data: unknown): string {
  const json = JSON.stringify(data);
  if (json === undefined) throw new TypeError('a state file holds JSON data');
  return `{"format":${JSON.stringify(FORMAT)},"sha256":"${digest(json)}","data":${json}}\n`;
}

/**
 * Pure: the data of a state file's text, or a terminal MeshdError (MESHD_ERR_STATE) naming the file
 * and what is wrong with it. Never returns partial data.
 */
export function decodeStateFile(path: string, text: string): unknown {
  const damaged = (why: string): MeshdError =>
    new MeshdError('MESHD_ERR_STATE', `state file ${path} is damaged (${why}); meshd changes nothing until it is repaired or removed`);
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(text) as Partial<Envelope>;
  } catch {
    throw damaged(text.length === 0 ? 'empty' : 'not JSON: truncated or overwritten');
  }
  if (envelope === null || typeof envelope !== 'object' || envelope.format !== FORMAT) throw damaged(`not a ${FORMAT} file`);
  if (typeof envelope.sha256 !== 'string' || !('data' in envelope)) throw damaged('no checksum');
  if (digest(JSON.stringify(envelope.data)) !== envelope.sha256) throw damaged('checksum mismatch');
  return envelope.data;
}

/** Reads a state file; undefined when it does not exist. Throws MESHD_ERR_STATE when it is damaged or unreadable. */
export async function readStateFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') return undefined;
    throw new MeshdError('MESHD_ERR_STATE', `state file ${path} cannot be read (${code ?? String(err)})`, { cause: err });
  }
  return decodeStateFile(path, text);
}

/**
 * Writes a state file atomically: a temporary file (mode 0600) in the same directory, fsync, rename
 * over the target, fsync of the directory. A crash leaves the old file or the new one, never half.
 */
export async function writeStateFile(path: string, data: unknown): Promise<void> {
  await writeFileAtomically(path, encodeStateFile(data), { durable: true });
}

/**
 * Writes `text` to `path` atomically: a temporary file (mode 0600) in the same directory, renamed
 * over the target, so a reader sees the old file or the new one. `durable` also fsyncs the file
 * before the rename and the directory after it (a crash then keeps the new file); without it a crash
 * may leave the old file, or on some file systems an empty one: only for files a reader rebuilds
 * when they are damaged (a cache).
 */
export async function writeFileAtomically(path: string, text: string, options: { durable: boolean }): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    if (options.durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  if (options.durable) await syncDirectory(dirname(path));
}

/** Removes a state file (and makes the removal durable); a missing file is fine. */
export async function removeStateFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    return;
  }
  await syncDirectory(dirname(path));
}

/** One directory's fsyncs: the one running, and the one every caller since it started waits for. */
interface DirectorySyncs {
  running: Promise<void> | undefined;
  next: Promise<void> | undefined;
}

const directorySyncs = new Map<string, DirectorySyncs>();

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes every rename and unlink in `dir` that finished before the call durable (fsync of the
 * directory), with group commit: a caller arriving while a sync of the directory runs waits for the
 * next one, which starts when the running one ends and serves every caller that arrived meanwhile.
 * A pass that writes a journal file per cluster, four clusters at once, syncs the directory about
 * once per round of writes instead of once per file. A failed sync fails every caller it serves.
 */
export function syncDirectory(dir: string): Promise<void> {
  const syncs = directorySyncs.get(dir) ?? { running: undefined, next: undefined };
  directorySyncs.set(dir, syncs);
  const start = (): Promise<void> => {
    const sync = fsyncDirectory(dir).finally(() => {
      syncs.running = undefined;
      if (syncs.next === undefined) directorySyncs.delete(dir);
    });
    syncs.running = sync;
    return sync;
  };
  if (syncs.running === undefined) return start();
  syncs.next ??= syncs.running
    .catch(() => undefined)
    .then(() => {
      syncs.next = undefined;
      return start();
    });
  return syncs.next;
}
