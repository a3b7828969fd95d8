import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isDnsLabel } from '../descriptor/network.js';
import { MeshdError } from '../errors.js';
import { readStateFile, removeStateFile, writeStateFile } from './state-file.js';

/** An object on a cluster a credential depends on (deleting it revokes the credential). */
export interface BindingRef {
  namespace: string;
  name: string;
  uid: string;
}

/**
 * What meshd remembers of the Pilot reader credential it minted for one cluster (a state file,
 * mode 0600). The token is kept: without it every pass (and every restart) would have to mint a new
 * one and rewrite the registry; it is a reader token, weaker than the operator kubeconfig the same
 * directory already holds. `retiring` are older credentials still valid until deleted once their
 * successor has been published for `retireAfter`. Owned by StateStore; never logged.
 */
export interface CredentialRecord {
  cluster: string;
  kind: 'token-request' | 'legacy-token';
  serviceAccount: string;
  namespace: string;
  binding: BindingRef;
  token: string;
  /** The CA bundle published with it (PEM; public data). */
  caPem: string;
  /** ISO 8601. */
  issuedAt: string;
  /** ISO 8601; absent for legacy tokens (they do not expire). */
  expiresAt?: string;
  /** When the registry first carried this credential (ISO 8601); unset until then. */
  publishedAt?: string;
  retiring: BindingRef[];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function isBinding(x: unknown): x is BindingRef {
  return isRecord(x) && typeof x.namespace === 'string' && typeof x.name === 'string' && typeof x.uid === 'string';
}

function checkRecord(path: string, cluster: string, data: unknown): CredentialRecord {
  const ok =
    isRecord(data) &&
    data.cluster === cluster &&
    (data.kind === 'token-request' || data.kind === 'legacy-token') &&
    ['serviceAccount', 'namespace', 'token', 'caPem', 'issuedAt'].every((k) => typeof data[k] === 'string') &&
    isBinding(data.binding) &&
    ['expiresAt', 'publishedAt'].every((k) => data[k] === undefined || typeof data[k] === 'string') &&
    Array.isArray(data.retiring) &&
    data.retiring.every(isBinding);
  if (!ok) throw new MeshdError('MESHD_ERR_STATE', `state file ${path} is damaged (not a credential record for ${cluster})`);
  return data as unknown as CredentialRecord;
}

/** How CredentialRecords writes its files: serialised per file by the state directory, now or deferred to its flush. */
export interface StateWrites {
  write(path: string, write: () => Promise<void>): Promise<void>;
  defer(path: string, write: () => Promise<void>): Promise<void>;
}

/** The `credentials/` part of the state directory: one record per cluster, loaded whole. */
export class CredentialRecords {
  private readonly records = new Map<string, CredentialRecord>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dir: string,
    private readonly writes: StateWrites,
  ) {}

  /** Creates the directory (mode 0700) unless read-only. */
  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  /** Loads every record; a damaged one is MESHD_ERR_STATE naming the file. */
  async load(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).map((n) => n.slice(0, -'.json'.length));
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return;
      throw new MeshdError('MESHD_ERR_STATE', `state directory ${this.dir} cannot be listed`, { cause: err });
    }
    for (const name of names) {
      const path = join(this.dir, `${name}.json`);
      if (!isDnsLabel(name)) throw new MeshdError('MESHD_ERR_STATE', `state file ${path} is not named after a cluster`);
      this.records.set(name, checkRecord(path, name, await readStateFile(path)));
    }
  }

  /** Every record, sorted by cluster. */
  all(): CredentialRecord[] {
    return [...this.records.values()].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
  }

  /** One cluster's record. */
  get(cluster: string): CredentialRecord | undefined {
    return this.records.get(cluster);
  }

  /**
   * Stores a record (no write when unchanged). `deferred`: the record may reach the disk with the
   * state's next flush (StateStore.flush, at the end of every pass) instead of now — only for a change
   * a crash cannot make unsafe, such as the time a credential was first published (lost, the next
   * pass publishes it again and its replaced bindings are revoked later, not sooner).
   */
  async put(record: CredentialRecord, options: { deferred?: boolean } = {}): Promise<void> {
    if (JSON.stringify(this.records.get(record.cluster)) === JSON.stringify(record)) return;
    this.records.set(record.cluster, record);
    const path = join(this.dir, `${record.cluster}.json`);
    const write = (): Promise<void> => writeStateFile(path, record);
    await (options.deferred === true ? this.writes.defer(path, write) : this.writes.write(path, write));
  }

  /**
   * Runs `fn` alone for one cluster: concurrent passes (the daemon's keys) decide, mint and record a
   * cluster's credential one at a time, so two never mint for the same cluster at once.
   */
  withLock<T>(cluster: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(cluster) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.locks.set(cluster, next);
    return next;
  }

  /** A renamed cluster (the same cluster under a new name) keeps its credential: the record moves. */
  rename(from: string, to: string): Promise<void> {
    return this.withLock(to, async () => {
      const record = this.records.get(from);
      if (!record || this.records.has(to)) return;
      await this.put({ ...record, cluster: to });
      await this.remove(from);
    });
  }

  /** Forgets a cluster's credential (after it was revoked). */
  async remove(cluster: string): Promise<void> {
    if (!this.records.delete(cluster)) return;
    const path = join(this.dir, `${cluster}.json`);
    await this.writes.write(path, () => removeStateFile(path));
  }
}
