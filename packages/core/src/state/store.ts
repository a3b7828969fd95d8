import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshdError } from '../errors.js';
import { isDnsLabel } from '../descriptor/network.js';
import type { JournalEntry } from '../plan/journal.js';
import type { PublishedCluster } from '../registry/desired.js';
import { readStateFile, removeStateFile, writeStateFile } from './state-file.js';
import { CredentialRecords } from './credential-records.js';

/**
 * What meshd remembers of one member cluster, on the bastion: its last good descriptor document
 * and kubeconfig (what removal and rule 2 need after a restart), its identity and whether its removal
 * is held by the deletion budget. The cluster's fields are the registry's (its descriptor file and
 * document text, as last validated). The kubeconfig is a credential: never log a record.
 */
export interface MemberRecord extends PublishedCluster {
  /** UID of the cluster's kube-system namespace, once seen: the same UID under a new name is a rename. */
  identity?: string;
  /**
   * The backend that may have something installed on this remote: recorded before it first writes,
   * cleared once it has uninstalled its release for a backend switch (pass/backend-switch.ts). Absent:
   * none known (nothing installed yet, or a record from before meshd remembered it).
   */
  backend?: string;
  /** Set while the deletion budget holds this member's removal (ISO 8601). */
  heldSince?: string;
  /** Set when the deletion budget let this member's removal go during a mass removal (ISO 8601). */
  approvedAt?: string;
  /**
   * Set when the cluster's removal completed (ISO 8601): no longer a member, the record stays only
   * until the registry pass has dropped it from the registry and revoked its Pilot credential.
   */
  leftAt?: string;
}

export type { JournalEntry } from '../plan/journal.js';

/** A cluster's journal: per owner (a release, the secrets addon, the registry), object key → entry. */
type ClusterJournal = Record<string, Record<string, JournalEntry>>;

const PRIVATE_DIR = 0o700;

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function checkMember(path: string, name: string, data: unknown): MemberRecord {
  const ok =
    isRecord(data) &&
    data.name === name &&
    (data.role === 'control-plane' || data.role === 'remote') &&
    ['file', 'descriptorText', 'accessConfigFile', 'kubeconfigText'].every((k) => typeof data[k] === 'string') &&
    ['identity', 'backend', 'heldSince', 'approvedAt', 'leftAt'].every((k) => data[k] === undefined || typeof data[k] === 'string');
  if (!ok) throw new MeshdError('MESHD_ERR_STATE', `state file ${path} is damaged (not a member record for ${name})`);
  return data as unknown as MemberRecord;
}

function checkJournal(path: string, data: unknown): ClusterJournal {
  const bad = (): MeshdError => new MeshdError('MESHD_ERR_STATE', `state file ${path} is damaged (not a journal)`);
  if (!isRecord(data)) throw bad();
  for (const owner of Object.values(data)) {
    if (!isRecord(owner)) throw bad();
    if (!Object.values(owner).every(isJournalEntry)) throw bad();
  }
  return data as ClusterJournal;
}

/**
 * Pure: true when recording `entries` over `current` only fills in the UIDs of pending entries (the
 * creates' answers). Losing such a write to a crash leaves the pending entries the next pass settles
 * (settleJournal: adopted by meshd's label), exactly as a kill -9 between the create and its record
 * did before, so it may wait for the next durable write of the file or the pass's flush.
 */
export function onlySettlesPending(current: Readonly<Record<string, JournalEntry>>, entries: ReadonlyMap<string, JournalEntry>): boolean {
  for (const [key, entry] of entries) {
    const before = current[key];
    if (entry.uid === undefined || before === undefined || before.uid !== undefined) return false;
    if (JSON.stringify(before.ref) !== JSON.stringify(entry.ref)) return false;
  }
  return true;
}

/** True for a journal entry's shape: a ref with a name and kind, and a string UID when it has one. */
function isJournalEntry(entry: unknown): boolean {
  if (!isRecord(entry) || !isRecord(entry.ref) || typeof entry.ref.name !== 'string' || typeof entry.ref.kind !== 'string') return false;
  return entry.uid === undefined || typeof entry.uid === 'string';
}

function missingIsEmpty(err: unknown): string[] {
  if ((err as { code?: string }).code === 'ENOENT') return [];
  throw new MeshdError('MESHD_ERR_STATE', `state directory cannot be listed (${(err as { code?: string }).code ?? String(err)})`, { cause: err });
}

async function jsonNames(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -'.json'.length));
}

/**
 * meshd's memory on the bastion: a directory (mode 0700, files 0600, each written atomically with a
 * checksum) holding the member records, the journal of created objects per cluster and owner, and the
 * key that authenticates in-cluster inventories. Loaded whole at open; writes go through to disk,
 * serialised per file, except the few a crash cannot make unsafe (a create's UID, a credential's
 * publication time: see `flush`), which reach the disk with the file's next write or at `flush`. Only the operator's host is trusted: nothing here ever comes from a cluster
 * except the UIDs meshd got back from its own creates. A damaged file fails `open` with
 * MESHD_ERR_STATE (terminal) naming it, so nothing is changed anywhere.
 */
export class StateStore {
  private readonly memberRecords = new Map<string, MemberRecord>();
  private readonly journals = new Map<string, ClusterJournal>();
  private key: Buffer = Buffer.alloc(0);
  private readonly writes = new Map<string, Promise<void>>();
  /** Files whose newest content waits for their next write or `flush`: path → the write. */
  private readonly deferred = new Map<string, () => Promise<void>>();
  /** The Pilot reader credentials meshd minted, per cluster (`credentials/`). */
  readonly credentials: CredentialRecords;

  private constructor(
    readonly dir: string,
    private readonly readOnly: boolean,
  ) {
    this.credentials = new CredentialRecords(join(dir, 'credentials'), {
      write: (path, write) => this.queueWrite(path, write),
      defer: (path, write) => this.deferWrite(path, write),
    });
  }

  /**
   * Opens (creating it when missing) the state directory and loads everything in it. `readOnly`
   * (`meshd plan`): nothing is created or written; a missing directory is an empty memory.
   */
  static async open(dir: string, options: { readOnly?: boolean } = {}): Promise<StateStore> {
    const store = new StateStore(dir, options.readOnly === true);
    if (store.readOnly) {
      const exists = await stat(dir).then(
        () => true,
        () => false,
      );
      if (exists) await store.load();
      return store;
    }
    try {
      await mkdir(join(dir, 'members'), { recursive: true, mode: PRIVATE_DIR });
      await mkdir(join(dir, 'journal'), { recursive: true, mode: PRIVATE_DIR });
      await store.credentials.prepare();
      for (const d of [dir, join(dir, 'members'), join(dir, 'journal'), join(dir, 'credentials')]) {
        if (((await stat(d)).mode & 0o077) !== 0) await chmod(d, PRIVATE_DIR);
      }
    } catch (err) {
      if (err instanceof MeshdError) throw err;
      throw new MeshdError('MESHD_ERR_STATE', `state directory ${dir} cannot be used (${(err as { code?: string }).code ?? String(err)})`, { cause: err });
    }
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    for (const name of await jsonNames(join(this.dir, 'members')).catch(missingIsEmpty)) {
      const path = join(this.dir, 'members', `${name}.json`);
      if (!isDnsLabel(name)) throw new MeshdError('MESHD_ERR_STATE', `state file ${path} is not named after a cluster`);
      this.memberRecords.set(name, checkMember(path, name, await readStateFile(path)));
    }
    for (const name of await jsonNames(join(this.dir, 'journal')).catch(missingIsEmpty)) {
      const path = join(this.dir, 'journal', `${name}.json`);
      if (!isDnsLabel(name)) throw new MeshdError('MESHD_ERR_STATE', `state file ${path} is not named after a cluster`);
      this.journals.set(name, checkJournal(path, await readStateFile(path)));
    }
    await this.credentials.load();
    this.key = await this.loadKey();
  }

  /** The inventory key: the stored one, else a new one written (none when read-only); a damaged file is an error. */
  private async loadKey(): Promise<Buffer> {
    const keyPath = join(this.dir, 'inventory-key.json');
    const stored = await readStateFile(keyPath);
    if (stored === undefined && this.readOnly) return Buffer.alloc(0);
    if (stored === undefined) {
      const key = randomBytes(32);
      await writeStateFile(keyPath, { key: key.toString('base64') });
      return key;
    }
    if (isRecord(stored) && typeof stored.key === 'string' && Buffer.from(stored.key, 'base64').length === 32) return Buffer.from(stored.key, 'base64');
    throw new MeshdError('MESHD_ERR_STATE', `state file ${keyPath} is damaged (not a 32-byte key)`);
  }

  /**
   * Serialises writes to one file; the write's own failure reaches the caller. Every write writes the
   * file's newest content, so it also carries whatever was deferred for that file.
   */
  private queueWrite(path: string, write: () => Promise<void>): Promise<void> {
    if (this.readOnly) return Promise.reject(this.readOnlyError());
    this.deferred.delete(path);
    const next = (this.writes.get(path) ?? Promise.resolve()).catch(() => undefined).then(write);
    this.writes.set(path, next);
    return next;
  }

  /** Keeps a file's newest content in memory until its next write or `flush` (see onlySettlesPending). */
  private deferWrite(path: string, write: () => Promise<void>): Promise<void> {
    if (this.readOnly) return Promise.reject(this.readOnlyError());
    this.deferred.set(path, write);
    return Promise.resolve();
  }

  private readOnlyError(): MeshdError {
    return new MeshdError('MESHD_ERR_INTERNAL', `state directory ${this.dir} was opened read-only`);
  }

  /**
   * Writes every deferred change (the files in parallel, each atomically as ever) and waits for them:
   * a pass calls it before it returns, so what one pass learnt is on disk when the next starts or the
   * CLI exits. What it writes is never needed for safety — a crash before it leaves pending journal
   * entries (settled by the next pass as after a kill -9 between a create and its record) or a
   * credential published again later — it only spares a pass a durable write per create step. A
   * failed write stays deferred (retried by the next flush) and the first failure is thrown.
   */
  async flush(): Promise<void> {
    const due = [...this.deferred];
    const results = await Promise.allSettled(due.map(([path, write]) => this.queueWrite(path, write)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ entry: due[i], reason: r.reason as unknown }] : []));
    for (const { entry } of failed) if (entry && !this.deferred.has(entry[0])) this.deferred.set(entry[0], entry[1]);
    if (failed[0]) throw failed[0].reason;
  }

  /** Every member record, sorted by name. */
  members(): MemberRecord[] {
    return [...this.memberRecords.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** One member's record. */
  member(name: string): MemberRecord | undefined {
    return this.memberRecords.get(name);
  }

  /** Records a member (no disk write when nothing changed). */
  async putMember(record: MemberRecord): Promise<void> {
    const before = this.memberRecords.get(record.name);
    if (before && JSON.stringify(before) === JSON.stringify(record)) return;
    this.memberRecords.set(record.name, record);
    const path = join(this.dir, 'members', `${record.name}.json`);
    await this.queueWrite(path, () => writeStateFile(path, record));
  }

  /** Forgets a member (its journal stays until its objects are gone). */
  async removeMember(name: string): Promise<void> {
    if (!this.memberRecords.delete(name)) return;
    const path = join(this.dir, 'members', `${name}.json`);
    await this.queueWrite(path, () => removeStateFile(path));
  }

  /** What meshd recorded creating on a cluster for one owner, by object key. */
  journal(cluster: string, owner: string): ReadonlyMap<string, JournalEntry> {
    return new Map(Object.entries(this.journals.get(cluster)?.[owner] ?? {}));
  }

  /**
   * Adds or replaces journal entries (pending ones have no uid yet). Durable when it resolves, but
   * for entries that only give pending ones their UIDs (onlySettlesPending): those go to disk with
   * the cluster's next journal write (the next step's pending entries) or at `flush`.
   */
  async record(cluster: string, owner: string, entries: ReadonlyMap<string, JournalEntry>): Promise<void> {
    if (entries.size === 0) return;
    const journal = this.journals.get(cluster) ?? {};
    const forOwner = { ...(journal[owner] ?? {}) };
    const deferrable = onlySettlesPending(forOwner, entries);
    let changed = false;
    for (const [key, entry] of entries) {
      if (JSON.stringify(forOwner[key]) !== JSON.stringify(entry)) changed = true;
      forOwner[key] = entry;
    }
    if (!changed) return;
    this.journals.set(cluster, { ...journal, [owner]: forOwner });
    await this.flushJournal(cluster, deferrable);
  }

  /** Drops journal entries (objects deleted, or found gone). */
  async forget(cluster: string, owner: string, keys: Iterable<string>): Promise<void> {
    const journal = this.journals.get(cluster);
    const forOwner = { ...(journal?.[owner] ?? {}) };
    let changed = false;
    for (const key of keys) {
      if (key in forOwner) {
        delete forOwner[key];
        changed = true;
      }
    }
    if (!journal || !changed) return;
    const next: ClusterJournal = { ...journal, [owner]: forOwner };
    if (Object.keys(forOwner).length === 0) delete next[owner];
    this.journals.set(cluster, next);
    await this.flushJournal(cluster);
  }

  /** Moves a cluster's journal (and its minted credential's record) to its new name (a rename keeps every object). */
  async renameJournal(from: string, to: string): Promise<void> {
    await this.credentials.rename(from, to);
    const journal = this.journals.get(from);
    if (!journal) return;
    this.journals.set(to, journal);
    this.journals.delete(from);
    await this.flushJournal(to);
    await this.flushJournal(from);
  }

  /** Writes a cluster's journal as it is in memory when the write runs (now, or deferred: see record). */
  private async flushJournal(cluster: string, deferred = false): Promise<void> {
    const path = join(this.dir, 'journal', `${cluster}.json`);
    const write = async (): Promise<void> => {
      const journal = this.journals.get(cluster);
      if (journal === undefined || Object.keys(journal).length === 0) await removeStateFile(path);
      else await writeStateFile(path, journal);
    };
    await (deferred ? this.deferWrite(path, write) : this.queueWrite(path, write));
  }

  /** The key that authenticates in-cluster inventories (HMAC-SHA256); never leaves the bastion. */
  inventoryKey(): Buffer {
    return this.key;
  }
}
