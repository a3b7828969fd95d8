import type { KubernetesObject } from '@kubernetes/client-node';
import { httpStatusOf, type ClusterClient } from '@meshd/core/cluster';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '@meshd/core/kube';
import { type Logger } from '@meshd/core';
import { abortableSleep } from '../process/sleep.js';
import { manyListenerAbortController } from '../process/abort.js';

/** Options of a LeaderElector (client-go's leaderelection, with a coordination.k8s.io/v1 Lease). */
export interface LeaderElectorOptions {
  /** The control-plane cluster, where the Lease lives. */
  client: ClusterClient;
  namespace: string;
  name: string;
  /** This daemon's identity (e.g. hostname + pid); shown as the holder. */
  identity: string;
  /** How long a lease holds without renewal; default 15 s. */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down; default 10 s (< leaseDurationMs). */
  renewDeadlineMs?: number;
  /** Time between attempts; default 2 s. */
  retryPeriodMs?: number;
  /** Give the lease up on stop so a standby takes over at once; default true. */
  releaseOnStop?: boolean;
  logger: Logger;
  /** Called when this daemon becomes the leader; `term` is aborted when it stops leading. */
  onStartedLeading(term: AbortSignal): void;
  /** Called when this daemon stops leading (lost the lease or stopped). */
  onStoppedLeading(): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: Date | string;
  renewTime?: Date | string;
  leaseTransitions?: number;
}

interface Lease extends KubernetesObject {
  metadata: NonNullable<KubernetesObject['metadata']> & { name: string };
  spec?: LeaseSpec;
}

/** A Lease's MicroTime: RFC 3339 with microseconds ("2026-01-02T03:04:05.678000Z"), as the API server parses it. */
const microTime = (t: number | string): string => new Date(t).toISOString().replace(/Z$/, '000Z');
const stamp = (t: Date | string | undefined): string => (t instanceof Date ? microTime(t.getTime()) : (t ?? ''));

/**
 * Leader election through a Lease on the control plane, so two bastions can run meshd and only one
 * acts. Expiry is judged on this process's clock from when it last saw the lease record change (as
 * client-go does), so clock skew between bastions does not matter. Writes use the lease's
 * resourceVersion: of two electors racing, one gets 409 and stays standby. The elector owns only
 * its view of the lease; the daemon decides what leading means.
 */
export class LeaderElector {
  private leading = false;
  private term: AbortController | undefined;
  private observed: { record: string; at: number } | undefined;
  private lastHolder: string | undefined;
  private readonly leaseMs: number;

  constructor(private readonly o: LeaderElectorOptions) {
    this.leaseMs = o.leaseDurationMs ?? 15_000;
  }

  /** True while this daemon holds the lease. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen ('' or undefined: nobody). */
  holder(): string | undefined {
    return this.lastHolder;
  }

  /** Campaigns and renews until `signal` is aborted; then releases the lease if it holds it. */
  async run(signal: AbortSignal): Promise<void> {
    const retry = this.o.retryPeriodMs ?? 2000;
    const deadline = this.o.renewDeadlineMs ?? 10_000;
    let renewedAt = 0;
    while (!signal.aborted) {
      const ok = await this.tryAcquireOrRenew().catch((err: unknown) => {
        this.o.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'lease request failed');
        return false;
      });
      if (signal.aborted) break;
      if (ok) renewedAt = Date.now();
      this.followAttempt(ok, renewedAt, deadline);
      await abortableSleep(this.leading ? retry : retry * (1 + Math.random() * 0.2), signal);
    }
    if (this.leading) {
      if (this.o.releaseOnStop !== false) await this.release().catch(() => undefined);
      this.stop('stopping');
    }
  }

  /** Starts leading after a won attempt; stops when renewals have failed for `deadline` ms. */
  private followAttempt(ok: boolean, renewedAt: number, deadline: number): void {
    if (ok && !this.leading) this.start();
    else if (!ok && this.leading && Date.now() - renewedAt >= deadline) this.stop('could not renew the lease in time');
  }

  private start(): void {
    this.leading = true;
    this.term = manyListenerAbortController();
    this.o.logger.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'became the leader');
    this.o.onStartedLeading(this.term.signal);
  }

  private stop(why: string): void {
    this.leading = false;
    this.term?.abort(new Error(`no longer the leader: ${why}`));
    this.term = undefined;
    this.o.logger.warn({ why }, 'stopped leading');
    this.o.onStoppedLeading();
  }

  private ref(): Lease {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: this.o.namespace } };
  }

  private spec(previous: LeaseSpec | undefined, now: number): LeaseSpec {
    const same = previous?.holderIdentity === this.o.identity;
    return {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(this.leaseMs / 1000)),
      acquireTime: same && previous?.acquireTime !== undefined ? stamp(previous.acquireTime) : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (same ? 0 : 1),
    };
  }

  /** One attempt; true when this daemon holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    let lease: Lease;
    try {
      lease = await this.o.client.objects.read<Lease>(this.ref());
    } catch (err) {
      if (httpStatusOf(err) !== 404) throw err;
      return this.create(now);
    }
    const spec = lease.spec ?? {};
    if (this.heldByOtherUnexpired(spec, now)) return false;
    const next: Lease = { ...lease, spec: this.spec(spec, now) };
    return this.write(() => this.o.client.objects.replace(next));
  }

  /** Creates the absent lease, held by this daemon; true when the create won. */
  private create(now: number): Promise<boolean> {
    const created = { ...this.ref(), spec: { ...this.spec(undefined, now), leaseTransitions: 0 } };
    created.metadata = { ...created.metadata, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } };
    return this.write(() => this.o.client.objects.create(created));
  }

  /**
   * Records the holder, and whether another daemon holds the lease and has not let it expire. The
   * expiry runs from when this daemon first saw the current record, not from the holder's clock.
   */
  private heldByOtherUnexpired(spec: LeaseSpec, now: number): boolean {
    this.lastHolder = spec.holderIdentity;
    const record = `${spec.holderIdentity ?? ''}|${stamp(spec.renewTime)}|${spec.leaseDurationSeconds ?? ''}`;
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const heldByOther = (spec.holderIdentity ?? '') !== '' && spec.holderIdentity !== this.o.identity;
    const expiresAt = this.observed.at + (spec.leaseDurationSeconds ?? 0) * 1000;
    return heldByOther && expiresAt > now;
  }

  private async write(request: () => Promise<unknown>): Promise<boolean> {
    try {
      await request();
      this.lastHolder = this.o.identity;
      return true;
    } catch (err) {
      if (httpStatusOf(err) === 409) return false;
      throw err;
    }
  }

  /** Gives the lease up: empty holder, so a standby takes over on its next attempt. */
  private async release(): Promise<void> {
    const lease = await this.o.client.objects.read<Lease>(this.ref());
    if (lease.spec?.holderIdentity !== this.o.identity) return;
    const spec: LeaseSpec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(Date.now()) };
    if (lease.spec.acquireTime !== undefined) spec.acquireTime = stamp(lease.spec.acquireTime);
    await this.o.client.objects.replace<Lease>({ ...lease, spec });
  }
}
