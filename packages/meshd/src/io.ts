import { homedir } from 'node:os';
import type { Redactor } from './output/redact.js';

/**
 * Everything a command may touch of the outside world besides files: output streams, the working
 * directory, the home directory and the environment. Injected so tests capture output and commands
 * never read process globals themselves.
 */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  homeDir: string;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * What a command's `register` receives: the io plus the way to set the exit code main() returns.
 * Its stdout and stderr scrub every text with `redactor` (rule 6); a command that reads kubeconfigs
 * adds their credentials to it before anything can print them.
 */
export interface CommandIo extends CliIo {
  setExitCode(code: number): void;
  redactor: Redactor;
}

/** `io` with stdout and stderr passed through `scrub` first. */
export function scrubbedIo(io: CliIo, scrub: (text: string) => string): CliIo {
  return { ...io, stdout: (text) => io.stdout(scrub(text)), stderr: (text) => io.stderr(scrub(text)) };
}

/** The real process: stdout, stderr, cwd, home and env as they are when called. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    cwd: process.cwd(),
    homeDir: homedir(),
    env: process.env,
  };
}
