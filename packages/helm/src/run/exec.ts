import { execFile } from 'node:child_process';
import { MeshdError, type ErrorCode } from '@meshd/core';

/** One run of a helm binary (Helm 2 or 3), without a shell. */
export interface HelmRun {
  binary: string;
  args: readonly string[];
  /** Environment of the helm process (default: meshd's own, inherited). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Kill helm after this long (default 60 s). */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * How a helm run ended: its output, or why it failed — the exit code of a helm that ran, or the
 * spawn/timeout/abort error — with helm's stderr trimmed (cleanStderr).
 */
export type HelmResult = { ok: true; stdout: string; stderr: string } | { ok: false; exitCode?: number; stderr: string; why: string; cause: Error };

/**
 * How to run the helm binary once (runHelm). `exitCode`: the catalogue code of a helm that ran and
 * exited non-zero (default MESHD_ERR_HELM_UNUSABLE; `helm template` says MESHD_ERR_CHART_RENDER):
 * both are terminal, the same binary, chart and values fail the same way again.
 */
export type RunHelmOptions = Omit<HelmRun, 'binary' | 'args'> & { exitCode?: ErrorCode };

/** What a successful helm run printed. */
export interface HelmOutput {
  stdout: string;
  stderr: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const MAX_STDERR_IN_MESSAGE = 4000;

interface ExecFailure extends Error {
  code?: number | string | null;
  killed?: boolean;
  signal?: NodeJS.Signals | null;
}

/** Helm's stderr, trimmed, without its generic "--debug" hint, cut to a readable length. Pure. */
export function cleanStderr(stderr: string): string {
  const text = stderr
    .split('\n')
    .filter((line) => !/^Use --debug flag to render out invalid YAML$/.test(line.trim()))
    .join('\n')
    .trim();
  return text.length > MAX_STDERR_IN_MESSAGE ? `${text.slice(0, MAX_STDERR_IN_MESSAGE)}…` : text;
}

function failureOf(err: ExecFailure, stderr: string, timeoutMs: number): HelmResult {
  const detail = cleanStderr(stderr);
  if (err.name === 'AbortError') return { ok: false, stderr: detail, why: 'was aborted', cause: err };
  if (typeof err.code === 'number') return { ok: false, exitCode: err.code, stderr: detail, why: `exit code ${err.code}`, cause: err };
  if (err.killed === true || err.signal)
    return { ok: false, stderr: detail, why: `timed out after ${timeoutMs} ms or was killed (${err.signal ?? 'killed'})`, cause: err };
  return { ok: false, stderr: detail, why: `could not run (${String(err.code ?? err.message)})`, cause: err };
}

/**
 * Runs the helm binary once, without a shell, and reports how it ended; never throws. Deciding what
 * a failure means (and whether to retry) is the caller's: runHelm for rendering, the Tiller session
 * for Helm 2 commands.
 */
export function execHelm(run: HelmRun): Promise<HelmResult> {
  const timeoutMs = run.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    execFile(
      run.binary,
      run.args,
      { encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES, timeout: timeoutMs, signal: run.signal, env: run.env, windowsHide: true },
      (err, stdout, stderr) => resolve(err ? failureOf(err, stderr, timeoutMs) : { ok: true, stdout, stderr }),
    );
  });
}

/** The exit code behind a runHelm failure, kept on the error's cause. */
interface HelmExit {
  exitCode: number;
}

function toMeshdError(what: string, result: Extract<HelmResult, { ok: false }>, exitCode: ErrorCode): MeshdError {
  const suffix = result.stderr === '' ? '' : `: ${result.stderr}`;
  if (result.exitCode !== undefined) {
    // helm template works offline: the same chart and values fail the same way again.
    const cause: HelmExit & { error: Error } = { exitCode: result.exitCode, error: result.cause };
    return new MeshdError(exitCode, `${what} failed (${result.why})${suffix}`, { cause });
  }
  if (result.why === 'was aborted') return new MeshdError('MESHD_ERR_HELM', `${what} was aborted`, { cause: result.cause });
  if (result.why.startsWith('timed out')) return new MeshdError('MESHD_ERR_HELM', `${what} ${result.why}${suffix}`, { cause: result.cause });
  const missing = /\((ENOENT|EACCES)\)$/.test(result.why);
  return new MeshdError(missing ? 'MESHD_ERR_HELM_UNUSABLE' : 'MESHD_ERR_HELM', `${what} ${result.why}`, { cause: result.cause });
}

/** helm's exit code when `err` is a runHelm failure of a helm that ran and exited non-zero. */
export function helmExitCode(err: unknown): number | undefined {
  if (!(err instanceof MeshdError)) return undefined;
  const code = (err.cause as Partial<HelmExit> | undefined)?.exitCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Runs `binary args...` (execHelm) and returns its output. Any failure is a MeshdError
 * whose message holds the command, helm's exit code and its trimmed stderr: a non-zero exit is
 * `options.exitCode`, a missing binary MESHD_ERR_HELM_UNUSABLE (both terminal), a timeout or abort
 * MESHD_ERR_HELM (retried with backoff).
 */
export async function runHelm(binary: string, args: readonly string[], options: RunHelmOptions = {}): Promise<HelmOutput> {
  const { exitCode = 'MESHD_ERR_HELM_UNUSABLE', ...run } = options;
  const result = await execHelm({ ...run, binary, args });
  if (result.ok) return { stdout: result.stdout, stderr: result.stderr };
  throw toMeshdError(`${binary} ${args[0] ?? ''}`.trim(), result, exitCode);
}
