import { readDirectorySnapshot, validateDirectoryOnce, type DirectorySnapshot, type DirectoryValidation, type ValidCluster } from '@meshd/core/descriptor';
import type { Logger, MeshdConfig } from '@meshd/core';
import { addSnapshotCredentials, type Redactor } from '../../output/redact.js';
import { everyKey, fingerprintDirectory, keysForDirectoryChange, remoteKeys, sameDirectory, type DirectoryFingerprint } from '../queue/keys.js';
import type { Runnable } from '../process/manager.js';
import { DIRECTORY_QUIET_MS, watchDirectory, type DirectoryWatch } from './watch-dir.js';

/** Options of DirectorySource. */
export interface DirectorySourceOptions {
  /** The running config (its `directory`, registry and credentials modes); re-read at every event. */
  config(): MeshdConfig;
  /** The daemon's logger (the watch logs as its child `component: directory`). */
  logger: Logger;
  redactor: Redactor;
  /** Quiet time that ends a burst of file events; default DIRECTORY_QUIET_MS. */
  debounceMs?: number;
  /** The registered backends' and renderers' names: a descriptor's backend annotation must name one. */
  backends(): string[];
  /** Remotes the daemon knows besides the directory (the last good mesh's, the remembered members). */
  knownRemotes(): string[];
  /** Receives each key an event enqueues. */
  enqueue(key: string): void;
  /** Called with the control plane of every read that names one (where the leader's lease lives). */
  controlPlane?(cluster: ValidCluster): void;
  /** Reads the directory; default core's readDirectorySnapshot (tests count the reads). */
  readSnapshot?: (dir: string) => Promise<DirectorySnapshot>;
}

/** One read of the directory: what every key's pass works from until the directory changes. */
interface DirectoryGeneration {
  /** The directory read (the config's at the time). */
  dir: string;
  snapshot: DirectorySnapshot;
}

/**
 * The cluster directory as a source of keys and of the snapshot every pass works from (a runnable):
 * it watches the directory, and on start and after each burst of events re-reads and validates it,
 * logs the errors, and enqueues the keys whose inputs changed (keys.ts keysForDirectoryChange; every
 * key on the first read). Reads are serialised. Each read is a generation: its snapshot is what
 * `snapshot()` hands every key's pass until the next read, so a round over N clusters reads and
 * validates the directory once (core's validateDirectoryOnce shares the validation), not N times.
 * A key never works from a generation older than a change seen before it asked: `snapshot()` waits
 * for the reads already queued, and the read of a later change enqueues the keys it concerns again.
 * `invalidate()` (the queue's resync, a reload) makes the next key read the directory again, the
 * safety net for an event the watch missed. Owns the watch, the generation and its fingerprint.
 */
export class DirectorySource implements Runnable {
  readonly name = 'directory source';
  private fingerprint: DirectoryFingerprint | undefined;
  private watch: DirectoryWatch | undefined;
  private reads: Promise<void> = Promise.resolve();
  private generation: DirectoryGeneration | undefined;
  /** The read a stale generation asked for, shared by the keys that asked meanwhile. */
  private refreshing: Promise<void> | undefined;

  constructor(private readonly o: DirectorySourceOptions) {}

  /** Watches the directory and reads it once (enqueueing every key); resolves when both are done. */
  async start(): Promise<void> {
    await this.watchDirectory();
    await this.read([]);
  }

  /** Stops watching. */
  async stop(): Promise<void> {
    await this.watch?.close();
  }

  /** The directory moved (a reload): watch the new one and read it as if for the first time. */
  async rewatch(): Promise<void> {
    await this.watch?.close();
    this.fingerprint = undefined;
    this.generation = undefined;
    await this.start();
  }

  /**
   * The snapshot a key's pass works from: the current generation's, once the reads queued before
   * this call are done; a new read when there is none, it is of another directory, or it was
   * invalidated. Every pass handed the same snapshot shares its validation.
   */
  async snapshot(): Promise<DirectorySnapshot> {
    await this.reads;
    const dir = this.o.config().directory;
    if (this.generation?.dir !== dir) {
      this.refreshing ??= this.read([], 'refresh').finally(() => (this.refreshing = undefined));
      await this.refreshing;
    }
    const generation = this.generation;
    // A read that failed leaves no generation: this key reads for itself, as every key once did.
    return generation?.dir === dir ? generation.snapshot : this.readDirectory(dir);
  }

  /** The next `snapshot()` reads the directory again (a resync, a reload: the safety net for a missed event). */
  invalidate(): void {
    this.generation = undefined;
  }

  /** Why the directory cannot be watched right now ("does not exist"…), undefined while it is there. */
  problem(): string | undefined {
    return this.watch?.problem();
  }

  /** Every key: each remote's (of the last read and the known ones), then the registry's. */
  everyKey(): string[] {
    return everyKey(this.fingerprint, this.o.knownRemotes());
  }

  /** Every remote's key (no registry key). */
  remoteKeys(): string[] {
    return remoteKeys(this.fingerprint, this.o.knownRemotes());
  }

  private async watchDirectory(): Promise<void> {
    const watch = watchDirectory({
      dir: this.o.config().directory,
      logger: this.o.logger.child({ component: 'directory' }),
      debounceMs: this.o.debounceMs ?? DIRECTORY_QUIET_MS,
      onChange: (names) => void this.read(names),
    });
    this.watch = watch;
    await watch.ready;
  }

  /**
   * Re-reads the directory, logs its errors, and enqueues the keys whose inputs changed (serialised).
   * A `refresh` (the daemon's own re-read: a resync, a reload) that finds the directory as it was
   * logs and enqueues nothing.
   */
  private read(names: string[], why: 'event' | 'refresh' = 'event'): Promise<void> {
    this.reads = this.reads
      .then(() => this.readOnce(names, why))
      .catch((err: unknown) => this.o.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'cannot read the cluster directory'));
    return this.reads;
  }

  private async readDirectory(dir: string): Promise<DirectorySnapshot> {
    const snapshot = await (this.o.readSnapshot ?? readDirectorySnapshot)(dir);
    addSnapshotCredentials(this.o.redactor, snapshot);
    return snapshot;
  }

  private async readOnce(names: string[], why: 'event' | 'refresh'): Promise<void> {
    const config = this.o.config();
    const snapshot = await this.readDirectory(config.directory);
    this.generation = { dir: config.directory, snapshot };
    const validation = validateDirectoryOnce(snapshot, {
      registryMode: config.registry.mode,
      credentialsMode: config.credentials.mode,
      backends: this.o.backends(),
    });
    const next = fingerprintDirectory(validation);
    const unchanged = why === 'refresh' && sameDirectory(this.fingerprint, next);
    const keys = unchanged ? [] : keysForDirectoryChange(this.fingerprint, next, this.o.knownRemotes());
    this.fingerprint = next;
    if (!unchanged) this.report(validation, names, keys);
    const cp = validation.clusters.find((c) => c.role === 'control-plane');
    if (cp) this.o.controlPlane?.(cp);
    for (const key of keys) this.o.enqueue(key);
  }

  /** Logs a read's errors (file:line:col) and, after events, what changed. */
  private report(validation: DirectoryValidation, names: string[], keys: string[]): void {
    for (const f of validation.findings.filter((x) => x.severity === 'error'))
      this.o.logger.warn({ file: f.file, line: f.line, col: f.col }, `${f.file}:${f.line}:${f.col}: ${f.message}`);
    if (names.length > 0) this.o.logger.info({ files: names, keys }, 'cluster directory changed');
  }
}
