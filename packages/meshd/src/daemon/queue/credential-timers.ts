import type { CredentialStatus } from '@meshd/core';

/** Longest delay setTimeout takes (about 24.8 days); a later event is re-armed by the pass it triggers. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** An event already due (its pass could not act) is retried after at least this long, never in a tight loop. */
const MIN_DELAY_MS = 1000;

/**
 * One timer per minted credential: at its next event (rotation at two thirds of its lifetime, or
 * revoking the credential it replaced) the registry key is enqueued (it alone mints and revokes); no polling. Re-armed from every
 * pass report; owned by the daemon, cleared on shutdown.
 */
export class CredentialTimers {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly enqueue: (key: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Arms (or re-arms) each credential's timer; drops timers of credentials no longer reported. */
  update(statuses: readonly CredentialStatus[]): void {
    const seen = new Set<string>();
    for (const s of statuses) {
      seen.add(s.cluster);
      const at = s.nextEventAt === undefined ? undefined : Date.parse(s.nextEventAt);
      const current = this.timers.get(s.cluster);
      if (at === undefined || Number.isNaN(at)) {
        this.clear(s.cluster);
        continue;
      }
      if (current?.at === at) continue;
      this.clear(s.cluster);
      const timer = setTimeout(
        () => {
          this.timers.delete(s.cluster);
          this.enqueue(s.cluster);
        },
        Math.min(MAX_DELAY_MS, Math.max(MIN_DELAY_MS, at - this.now())),
      );
      timer.unref();
      this.timers.set(s.cluster, { at, timer });
    }
    for (const name of [...this.timers.keys()].filter((n) => !seen.has(n))) this.clear(name);
  }

  /** Armed timers by cluster (their due time, ms since the epoch). */
  armed(): Map<string, number> {
    return new Map([...this.timers].map(([k, v]) => [k, v.at]));
  }

  /** Clears every timer. */
  stopAll(): void {
    for (const name of [...this.timers.keys()]) this.clear(name);
  }

  private clear(name: string): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t.timer);
    this.timers.delete(name);
  }
}
