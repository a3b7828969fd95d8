// The demo's terminal output, safe when it is a pipe: once the reader is gone (`| head`, a `| tee`
// killed by Ctrl-C: EPIPE), nothing more is written and the demo is told to stop and clean up.

/** Writes lines to stdout until it breaks; then calls onBroken once and stays quiet. */
export class DemoOutput {
  private broken = false;

  constructor(private readonly onBroken: (why: string) => void) {
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (err: NodeJS.ErrnoException) => this.fail(`${stream === process.stdout ? 'stdout' : 'stderr'}: ${err.code ?? err.message}`));
    }
  }

  /** True once stdout or stderr has broken. */
  get isBroken(): boolean {
    return this.broken;
  }

  /** Prints text (a newline is added); dropped once the output is broken. */
  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** Writes raw text (meshd's log lines); dropped once the output is broken. */
  write(text: string): void {
    if (this.broken) return;
    try {
      process.stdout.write(text);
    } catch (err) {
      this.fail(`stdout: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }

  private fail(why: string): void {
    if (this.broken) return;
    this.broken = true;
    this.onBroken(why);
  }
}
