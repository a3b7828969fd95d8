import type { PassReport } from '@meshd/core';
import type { ReconcileRecord } from './queue.js';

/**
 * Whether the registry key must run again for a credential that waited for its cluster's install
 * (credentials-step.ts awaitsItsInstall): a cluster-key report where such a remote is converged, or
 * a registry report naming a remote that converged after that registry reconcile had started (it
 * may have looked before the namespace existed). Owns what it remembers between reports; the daemon
 * feeds it every report and enqueues the registry key when it says so.
 */
export class CredentialRerun {
  /** When each remote's key last reported it converged (the queue's clock). */
  private readonly remoteConvergedAt = new Map<string, number>();
  /** Remotes whose credential waited for their install in the registry key's last report. */
  private awaitingInstall = new Set<string>();

  /** True when the registry key must run again after this report. */
  needed(record: ReconcileRecord<PassReport>, report: PassReport): boolean {
    if (report.part === 'registry') {
      this.awaitingInstall = new Set(report.awaitingInstall ?? []);
      return [...this.awaitingInstall].some((name) => (this.remoteConvergedAt.get(name) ?? -Infinity) > record.startedAt);
    }
    let rerun = false;
    for (const c of report.clusters) {
      if (c.role !== 'remote' || c.state !== 'converged') continue;
      this.remoteConvergedAt.set(c.name, record.startedAt + record.durationMs);
      if (this.awaitingInstall.has(c.name)) rerun = true;
    }
    return rerun;
  }
}
