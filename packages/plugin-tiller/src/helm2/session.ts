import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshdError } from '@meshd/core';
import type { ClusterClient } from '@meshd/core/cluster';
import { describeTiller } from './location.js';
import type { TillerLocation } from './location.js';
import { connectionArgs, homeInitArgs } from './args.js';
import type { ConnectionTarget } from './args.js';
import { execHelm } from '@meshd/helm';
import type { HelmResult } from '@meshd/helm';

/** What a session needs to reach one remote's Tiller. */
export interface TillerSessionOptions {
  helmBinary: string;
  /** The cluster (for messages, and its kubeconfig when helm must port-forward). */
  client: ClusterClient;
  location: TillerLocation;
  connectTimeoutMs: number;
  /** Longest time one helm command may take (reads get the connect timeout plus 30 s). */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** The `cause` of a MeshdError from a failed helm command: helm's exit code and trimmed stderr. */
export interface HelmFailure {
  exitCode?: number;
  stderr: string;
  error: Error;
}

/**
 * One conversation with one remote's Tiller: a private temp directory (0700) holding HELM_HOME
 * (`helm init --client-only`), the cluster's kubeconfig (0600, only when helm must port-forward) and
 * values files. Everything is removed when the session closes (withTillerSession). The session runs
 * helm and turns failures into MESHD_ERR_TILLER errors naming the cluster, the command and helm's
 * message; it decides nothing.
 */
export class TillerSession {
  private constructor(
    readonly options: TillerSessionOptions,
    readonly dir: string,
    readonly connection: ConnectionTarget,
  ) {}

  /** Opens a session (see withTillerSession, which also closes it). */
  static async open(options: TillerSessionOptions): Promise<TillerSession> {
    const dir = await mkdtemp(join(tmpdir(), 'meshd-tiller-'));
    try {
      const connection: ConnectionTarget = { home: join(dir, 'home'), location: options.location, connectTimeoutMs: options.connectTimeoutMs };
      if (options.location.host === undefined) await writeKubeconfig(options.client, dir, connection);
      const session = new TillerSession(options, dir, connection);
      await session.runLocal(homeInitArgs(connection.home));
      return session;
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * The helm process environment: PATH and the private home only (no KUBECONFIG or HELM_HOST leaks
   * in), and TZ=UTC so the times helm prints (a revision's `updated`) read the same on every host.
   */
  get env(): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.dir, HELM_HOME: this.connection.home, TZ: 'UTC' };
  }

  /** Where Tiller is, for messages. */
  get where(): string {
    return describeTiller(this.options.location);
  }

  /** Runs a Tiller command (connection flags added); resolves with stdout or rejects with a MeshdError (see helmFailureOf). */
  async run(args: readonly string[], timeoutMs = this.options.connectTimeoutMs + 30_000): Promise<string> {
    return this.finish(args, await this.exec([...args, ...connectionArgs(this.connection)], timeoutMs));
  }

  /** Runs a command that needs no Tiller connection (args complete as given). */
  async runLocal(args: readonly string[], timeoutMs = this.options.connectTimeoutMs + 30_000): Promise<string> {
    return this.finish(args, await this.exec(args, timeoutMs));
  }

  /** Writes a values file (0600) inside the session directory; returns its path. */
  async writeValues(values: Record<string, unknown>, name = 'values.json'): Promise<string> {
    const file = join(this.dir, name);
    await writeFile(file, JSON.stringify(values), { mode: 0o600 });
    return file;
  }

  /** Removes the session directory (kubeconfig, values, HELM_HOME). */
  close(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }

  private exec(args: readonly string[], timeoutMs: number): Promise<HelmResult> {
    return execHelm({ binary: this.options.helmBinary, args, env: this.env, timeoutMs, signal: this.options.signal });
  }

  private finish(args: readonly string[], result: HelmResult): string {
    if (result.ok) return result.stdout;
    const command = commandLabel(args);
    const stderr = result.stderr.replace(/^Error: /gm, '');
    const detail = stderr === '' ? '' : `: ${stderr}`;
    const missingBinary = result.exitCode === undefined && /ENOENT|EACCES/.test(result.why);
    const code = missingBinary ? 'MESHD_ERR_HELM_UNUSABLE' : 'MESHD_ERR_TILLER';
    const message = `${this.options.client.name}: ${command} (${this.where}) failed, ${result.why}${detail}`;
    const cause: HelmFailure = { stderr, error: result.cause };
    if (result.exitCode !== undefined) cause.exitCode = result.exitCode;
    throw new MeshdError(code, message, { cause });
  }
}

/** `helm SUBCOMMAND RELEASE` for messages: `helm get values istio-remote`, `helm install istio-remote`, `helm init`. Pure. */
export function commandLabel(args: readonly string[]): string {
  const words = args[0] === 'get' ? args.slice(0, 2) : args.slice(0, 1);
  const named = args.indexOf('--name');
  const release = named >= 0 ? args[named + 1] : args[words.length];
  return ['helm', ...words, ...(release === undefined || release.startsWith('-') ? [] : [release])].join(' ');
}

async function writeKubeconfig(client: ClusterClient, dir: string, connection: ConnectionTarget): Promise<void> {
  connection.kubeconfig = join(dir, 'kubeconfig');
  connection.kubeContext = client.kubeConfig.getCurrentContext();
  await writeFile(connection.kubeconfig, client.kubeConfig.exportConfig(), { mode: 0o600 });
}

/** How helm failed, when `err` is a MeshdError from TillerSession.run for a helm that ran and exited non-zero. */
export function helmFailureOf(err: unknown): HelmFailure | undefined {
  if (!(err instanceof MeshdError)) return undefined;
  const cause = err.cause as Partial<HelmFailure> | undefined;
  return typeof cause?.stderr === 'string' && typeof cause.exitCode === 'number' ? (cause as HelmFailure) : undefined;
}

/** Runs `fn` in a new session and always closes it (the temp directory goes, whatever happened). */
export async function withTillerSession<T>(options: TillerSessionOptions, fn: (session: TillerSession) => Promise<T>): Promise<T> {
  const session = await TillerSession.open(options);
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
