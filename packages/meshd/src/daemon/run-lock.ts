/**
 * A readers-writer lock for passes: cluster keys share it (their scopes differ), the full pass takes
 * it alone (it acts on every cluster, so it must not race a single-cluster pass on the same one).
 * Writers are preferred, so a stream of cluster keys cannot starve the full pass.
 */
export class RunLock {
  private readers = 0;
  private writer = false;
  private waitingWriters = 0;
  private wakeups: (() => void)[] = [];

  /** Runs `fn` holding the lock: shared (`exclusive` false) or alone. */
  async with<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    if (exclusive) await this.lockWrite();
    else await this.lockRead();
    try {
      return await fn();
    } finally {
      if (exclusive) this.writer = false;
      else this.readers--;
      this.wake();
    }
  }

  private async lockRead(): Promise<void> {
    while (this.writer || this.waitingWriters > 0) await this.sleep();
    this.readers++;
  }

  private async lockWrite(): Promise<void> {
    this.waitingWriters++;
    try {
      while (this.writer || this.readers > 0) await this.sleep();
    } finally {
      this.waitingWriters--;
    }
    this.writer = true;
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => this.wakeups.push(resolve));
  }

  private wake(): void {
    const all = this.wakeups;
    this.wakeups = [];
    for (const resolve of all) resolve();
  }
}
