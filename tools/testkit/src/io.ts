/**
 * A command io (meshd's CliIo: output streams, working and home directory, environment) that records
 * what a command prints, for tests and the in-process benchmark. Structurally a CliIo: the testkit
 * does not depend on the meshd package.
 */
export interface CapturedIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  homeDir: string;
  env: Readonly<Record<string, string | undefined>>;
  out: string[];
  err: string[];
  /** All stdout text so far. */
  readonly stdoutText: string;
  /** All stderr text so far. */
  readonly stderrText: string;
}

/** Builds a CapturedIo rooted at `cwd`, with an empty environment. */
export function captureIo(cwd: string, homeDir = cwd): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    cwd,
    homeDir,
    env: {},
    get stdoutText() {
      return out.join('');
    },
    get stderrText() {
      return err.join('');
    },
  };
}
