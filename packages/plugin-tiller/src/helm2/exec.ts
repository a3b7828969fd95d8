import { execFile } from 'node:child_process';
import { cleanStderr } from '@meshd/plugin-helm';

/** One run of the Helm 2 client. */
export interface HelmRun {
  binary: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}

/** How a helm run ended: its output, or why it failed (exit code and trimmed stderr, or the spawn error). */
export type HelmResult =
  | { ok: true; stdout: string; stderr: string }
  | { ok: false; exitCode?: number; stderr: string; why: string; cause: Error };

const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

interface ExecFailure extends Error {
  code?: number | string | null;
  killed?: boolean;
  signal?: NodeJS.Signals | null;
}

function failureOf(err: ExecFailure, stderr: string, timeoutMs: number): HelmResult {
  const detail = cleanStderr(stderr).replace(/^Error: /gm, '');
  if (err.name === 'AbortError') return { ok: false, stderr: detail, why: 'was aborted', cause: err };
  if (typeof err.code === 'number') return { ok: false, exitCode: err.code, stderr: detail, why: `exit code ${err.code}`, cause: err };
  if (err.killed === true || err.signal) return { ok: false, stderr: detail, why: `timed out after ${timeoutMs} ms`, cause: err };
  return { ok: false, stderr: detail, why: `could not run (${String(err.code ?? err.message)})`, cause: err };
}

/**
 * Runs the helm binary once, without a shell, and reports how it ended; never throws. Deciding what
 * a failure means (and whether to retry) is the caller's.
 */
export function execHelm(run: HelmRun): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(
      run.binary,
      run.args,
      { encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES, timeout: run.timeoutMs, signal: run.signal, env: run.env, windowsHide: true },
      (err, stdout, stderr) => resolve(err ? failureOf(err, stderr, run.timeoutMs) : { ok: true, stdout, stderr }),
    );
  });
}
