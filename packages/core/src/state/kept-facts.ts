import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterClient } from '../cluster/client.js';
import type { KubeconfigView } from '../cluster/kubeconfig-view.js';
import { ClusterFactsCache, factsFreshness } from '../prereq/facts-cache.js';
import type { FactsMemory, KeptFacts } from '../prereq/facts-cache.js';
import type { Logger } from '../plugin/types.js';
import { connectionIdentity, decodeFactsFile, encodeFactsFile, factsEntryName, factsFileKey, MAX_FACTS_FILE_BYTES } from './facts-file.js';
import type { StoredFacts } from './facts-file.js';
import { writeFileAtomically } from './state-file.js';
import type { StateStore } from './store.js';

/** The facts file's name in the state directory. */
export const FACTS_FILE = 'cluster-facts.json';

/** The content of the files a kubeconfig's cluster and user name (CA, client certificate and key, token file). */
async function namedFiles(view: KubeconfigView): Promise<Record<string, string>> {
  const paths = [view.cluster.caFile, view.user.certFile, view.user.keyFile, view.user.tokenFile].filter((p): p is string => p !== undefined);
  return Object.fromEntries(await Promise.all(paths.map(async (p) => [p, await readFile(p, 'utf8')] as const)));
}

const errorCode = (err: unknown): string => (err as { code?: string }).code ?? String(err);

/**
 * Reads the facts file: its entries, or none (with a debug line when it does not exist, a warning
 * when it cannot be used). Opened without following a symbolic link and without blocking (a FIFO in
 * its place must not hang the command); only a regular file no larger than MAX_FACTS_FILE_BYTES is read.
 */
async function readEntries(path: string, fileKey: Buffer, logger: Logger): Promise<Map<string, StoredFacts>> {
  const unused = (problem: string, severity: 'debug' | 'warn' = 'warn'): Map<string, StoredFacts> => {
    logger[severity]({ file: path }, `cluster facts file not used (${problem}): every cluster's facts are read`);
    return new Map();
  };
  let text: string;
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return unused('not a regular file');
      if (stats.size > MAX_FACTS_FILE_BYTES) return unused(`larger than ${MAX_FACTS_FILE_BYTES} bytes`);
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    return errorCode(err) === 'ENOENT' ? unused('none kept yet', 'debug') : unused(`cannot be read: ${errorCode(err)}`);
  }
  const decoded = decodeFactsFile(fileKey, text);
  return 'problem' in decoded ? unused(decoded.problem, decoded.severity) : decoded;
}

/** Where a KeptFactsFile is, its key, its logger and its clock. */
interface FileAccess {
  path: string;
  key: Buffer;
  logger: Logger;
  now: () => number;
}

/**
 * The one-shot CLI's FactsMemory: what each cluster said about itself, kept across runs in the state
 * directory's `cluster-facts.json` (mode 0600, written atomically, authenticated with an HMAC under a
 * key derived from the state directory's own). An entry is named by the HMAC of the connection's
 * server, CA, TLS settings and credentials (connectionIdentity): a kubeconfig pointing elsewhere or
 * carrying other credentials never finds another's entry. A file that cannot be used is a full read
 * of every cluster, never a failed command; a write that fails is a warning. A cache: deleting the
 * file only costs the next run its reads. Owns the file; ClusterFactsCache decides what is fresh.
 */
export class KeptFactsFile implements FactsMemory {
  private readonly names = new WeakMap<ClusterClient, string>();
  private changed = false;

  private constructor(
    private readonly file: FileAccess,
    private readonly entries: Map<string, StoredFacts>,
  ) {}

  /** Reads the file of `stateDirectory`, authenticated with a key derived from `stateKey` (the state directory's). */
  static async open(stateDirectory: string, stateKey: Buffer, logger: Logger, now: () => number = Date.now): Promise<KeptFactsFile> {
    const file: FileAccess = { path: join(stateDirectory, FACTS_FILE), key: factsFileKey(stateKey), logger, now };
    return new KeptFactsFile(file, await readEntries(file.path, file.key, logger));
  }

  /** The entry of `client`'s connection; none when a file its kubeconfig names cannot be read (the probe then reports it). */
  async recall(client: ClusterClient): Promise<KeptFacts | undefined> {
    const name = this.names.get(client) ?? (await this.nameOf(client));
    return name === undefined ? undefined : this.entries.get(name);
  }

  /** Keeps what `client`'s cluster said (written by `save`). */
  keep(client: ClusterClient, kept: KeptFacts): void {
    const name = this.names.get(client);
    if (name === undefined) return;
    this.entries.set(name, { server: client.server, ...kept });
    this.changed = true;
  }

  /** Drops `client`'s entry (written by `save`). */
  forget(client: ClusterClient): void {
    const name = this.names.get(client);
    if (name !== undefined && this.entries.delete(name)) this.changed = true;
  }

  /** Writes the fresh entries back when any changed; never throws (a failure is a warning: the next run reads them again). */
  async save(): Promise<void> {
    if (!this.changed) return;
    const now = this.file.now();
    const fresh = new Map([...this.entries].filter(([, e]) => factsFreshness(e.readAt, now) === 'fresh'));
    const text = encodeFactsFile(this.file.key, fresh);
    try {
      if (Buffer.byteLength(text) > MAX_FACTS_FILE_BYTES) throw Object.assign(new Error('too large'), { code: `larger than ${MAX_FACTS_FILE_BYTES} bytes` });
      await writeFileAtomically(this.file.path, text, { durable: false });
      this.changed = false;
    } catch (err) {
      this.file.logger.warn({ file: this.file.path }, `cluster facts file not written (${errorCode(err)}): the next run reads every cluster's facts`);
    }
  }

  private async nameOf(client: ClusterClient): Promise<string | undefined> {
    try {
      const name = factsEntryName(this.file.key, connectionIdentity(client.kubeConfig, await namedFiles(client.kubeConfig)));
      this.names.set(client, name);
      return name;
    } catch {
      return undefined;
    }
  }
}

/** The one-shot CLI's kept facts: the cache a pass probes through (PassOptions.keptFacts) and the file it writes back. */
export interface CliFacts {
  cache: ClusterFactsCache;
  file: KeptFactsFile;
}

/**
 * The CLI's facts cache over `state`'s facts file, each full read noted in a debug line; undefined
 * when the state directory has no key yet (`meshd plan` before any `apply`: every fact is read).
 */
export async function cliFactsOf(state: StateStore, logger: Logger): Promise<CliFacts | undefined> {
  const key = state.inventoryKey();
  if (key.length === 0) return undefined;
  const file = await KeptFactsFile.open(state.dir, key, logger);
  const cache = new ClusterFactsCache({
    memory: file,
    onReread: (client, reason) =>
      logger.debug(
        { cluster: client.name, reason },
        reason === 'probe failed' ? 'cluster facts dropped: the next run reads them whole' : 'cluster facts read whole',
      ),
  });
  return { cache, file };
}
