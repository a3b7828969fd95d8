import { execFile } from 'node:child_process';
import { MeshdError } from '@meshd/core';

/** How to run the helm binary once. */
export interface RunHelmOptions {
  signal?: AbortSignal | undefined;
  /** Kill helm after this long (default 60 s). */
  timeoutMs?: number | undefined;
  /** Environment of the helm process (default: meshd's own, inherited). */
  env?: NodeJS.ProcessEnv | undefined;
}

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

/** Helm's stderr, trimmed, without its generic "--debug" hint, cut to a readable length. */
export function cleanStderr(stderr: string): string {
  const text = stderr
    .split('\n')
    .filter((line) => !/^Use --debug flag to render out invalid YAML$/.test(line.trim()))
    .join('\n')
    .trim();
  return text.length > MAX_STDERR_IN_MESSAGE ? `${text.slice(0, MAX_STDERR_IN_MESSAGE)}…` : text;
}

function toMeshdError(what: string, err: ExecFailure, stderr: string, timeoutMs: number): MeshdError {
  const detail = cleanStderr(stderr);
  const suffix = detail === '' ? '' : `: ${detail}`;
  if (err.name === 'AbortError') return new MeshdError('MESHD_ERR_HELM', `${what} was aborted`, { cause: err });
  if (typeof err.code === 'number') {
    // helm template works offline: the same chart and values fail the same way again.
    return new MeshdError('MESHD_ERR_HELM', `${what} failed (exit code ${err.code})${suffix}`, { terminal: true, cause: err });
  }
  if (err.killed === true || err.signal) {
    return new MeshdError('MESHD_ERR_HELM', `${what} timed out after ${timeoutMs} ms or was killed (${err.signal ?? 'killed'})${suffix}`, { cause: err });
  }
  const terminal = err.code === 'ENOENT' || err.code === 'EACCES';
  return new MeshdError('MESHD_ERR_HELM', `${what} could not run (${String(err.code ?? err.message)})`, { terminal, cause: err });
}

/** helm's exit code when `err` is a runHelm failure of a helm that ran and exited non-zero. */
export function helmExitCode(err: unknown): number | undefined {
  if (!(err instanceof MeshdError) || err.code !== 'MESHD_ERR_HELM') return undefined;
  const code = (err.cause as ExecFailure | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Runs `binary args...` without a shell and returns its output. Any failure is a MeshdError
 * MESHD_ERR_HELM whose message holds the command, helm's exit code and its trimmed stderr; a
 * non-zero exit or a missing binary is terminal, a timeout or abort is not. The caller retries.
 */
export function runHelm(binary: string, args: readonly string[], options: RunHelmOptions = {}): Promise<HelmOutput> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const what = `${binary} ${args[0] ?? ''}`.trim();
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES, timeout: timeoutMs, signal: options.signal, env: options.env, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) reject(toMeshdError(what, err, stderr, timeoutMs));
        else resolve({ stdout, stderr });
      },
    );
  });
}
