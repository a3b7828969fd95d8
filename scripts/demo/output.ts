// The demo's terminal output, safe when it is a pipe: once the reader is gone (`| head`, a `| tee`
// killed by Ctrl-C: EPIPE), nothing more is written there and the demo is told to stop and clean up.
// Its own shutdown lines (note) then go to stderr, which is still the terminal in `npm run demo | tee log`.

/** Writes lines to stdout until it breaks; then calls onBroken once and keeps only notes, on stderr. */
export class DemoOutput {
  private stdoutBroken = false;
  private stderrBroken = false;
  private told = false;

  constructor(private readonly onBroken: (why: string) => void) {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => this.fail('stdout', err));
    process.stderr.on('error', (err: NodeJS.ErrnoException) => this.fail('stderr', err));
  }

  /** True once stdout or stderr has broken. */
  get isBroken(): boolean {
    return this.stdoutBroken || this.stderrBroken;
  }

  /** Prints text (a newline is added) on stdout; dropped once stdout is broken (meshd's log lines). */
  line(text: string): void {
    this.write(`${text}\n`);
  }

  /**
   * The demo's own status line: on stdout, or on stderr once stdout is broken (so the terminal still
   * sees it stop). A write to a pipe whose reader has just gone fails after the call returns: the
   * line that found the pipe broken goes to stderr too, so no note is lost between the reader's
   * end and the error that reports it.
   */
  note(text: string): void {
    if (this.stdoutBroken) return this.toStderr(text);
    try {
      process.stdout.write(`${text}\n`, (err) => {
        if (!err) return;
        this.fail('stdout', err);
        this.toStderr(text);
      });
    } catch (err) {
      this.fail('stdout', err as NodeJS.ErrnoException);
      this.toStderr(text);
    }
  }

  private toStderr(text: string): void {
    if (this.stderrBroken) return;
    try {
      process.stderr.write(`${text}\n`);
    } catch (err) {
      this.fail('stderr', err as NodeJS.ErrnoException);
    }
  }

  /** Writes raw text to stdout; dropped once stdout is broken. */
  write(text: string): void {
    if (this.stdoutBroken) return;
    try {
      process.stdout.write(text);
    } catch (err) {
      this.fail('stdout', err as NodeJS.ErrnoException);
    }
  }

  private fail(stream: 'stdout' | 'stderr', err: NodeJS.ErrnoException): void {
    if (stream === 'stdout') this.stdoutBroken = true;
    else this.stderrBroken = true;
    if (this.told) return;
    this.told = true;
    this.onBroken(`${stream}: ${err.code ?? err.message}`);
  }
}
