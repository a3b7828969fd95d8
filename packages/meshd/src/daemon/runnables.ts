import type { Logger } from '@meshd/core';
import type { FastifyInstance } from 'fastify';
import type { ClusterWatches } from './watch/cluster-watches.js';
import type { CredentialTimers } from './queue/credential-timers.js';
import { buildHealthServer, listenHealthServer, type HealthSources } from './status/health.js';
import type { LeaderElection } from './leader/leader-election.js';
import type { Runnable } from './process/manager.js';
import type { WorkQueue } from './queue/queue.js';

/** A runnable made of two functions (set-up steps such as opening the state directory); stop does nothing unless given. */
export function stepRunnable(name: string, start: () => Promise<void> | void, stop?: () => Promise<void> | void): Runnable {
  return {
    name,
    start: async () => {
      await start();
    },
    stop: async () => {
      await stop?.();
    },
  };
}

/** The health server (/healthz, /readyz, /status, /metrics, /events, the page): listens on start; closes the live feed and itself on stop. */
export function healthServerRunnable(sources: HealthSources & { listen: { host: string; port: number } }, listening: (url: string) => void): Runnable {
  let app: FastifyInstance | undefined;
  return {
    name: 'health server',
    start: async () => {
      app = buildHealthServer(sources);
      listening(await listenHealthServer(app, sources.listen));
    },
    stop: async () => {
      sources.feed?.close();
      await app?.close();
    },
  };
}

/**
 * The work queue's lifetime (not leader-gated): its stop stops taking keys, lets the reconciles in
 * flight finish for `graceMs` and then aborts them (WorkQueue.shutdown). Its workers run apart, as
 * the leader-only `reconcileWorkersRunnable`, so keys wait in the queue on a standby.
 */
export function workQueueRunnable(queue: Pick<WorkQueue, 'shutdown'>, graceMs: number, logger: Logger): Runnable {
  return {
    name: 'work queue',
    stopTimeoutMs: graceMs + 5_000,
    start: () => Promise.resolve(),
    stop: async () => {
      const finished = await queue.shutdown(graceMs);
      if (!finished) logger.warn('a reconcile did not finish in time and was aborted');
    },
  };
}

/**
 * The queue's workers, leader-only: on start `leading()` runs (the first round: every key enqueued)
 * and the workers pick keys (and the resync timer runs); on stop they pick no new key (the
 * reconciles in flight were aborted with the lease, or are drained by the work queue's stop).
 */
export function reconcileWorkersRunnable(queue: Pick<WorkQueue, 'start' | 'resume' | 'pause'>, leading: () => void): Runnable {
  return {
    name: 'reconcile workers',
    needsLeader: true,
    start: () => {
      leading();
      queue.start();
      queue.resume();
      return Promise.resolve();
    },
    stop: () => {
      queue.pause();
      return Promise.resolve();
    },
  };
}

/** The cluster watches, leader-only: they start as reports name clusters (ClusterWatches.update) and all stop here. */
export function clusterWatchesRunnable(watches: ClusterWatches): Runnable {
  return {
    name: 'cluster watches',
    needsLeader: true,
    start: () => Promise.resolve(),
    stop: () => {
      watches.stopAll();
      return Promise.resolve();
    },
  };
}

/** The credential rotation timers, leader-only: armed from the registry key's reports, all cleared here. */
export function credentialTimersRunnable(timers: CredentialTimers): Runnable {
  return {
    name: 'credential timers',
    needsLeader: true,
    start: () => Promise.resolve(),
    stop: () => {
      timers.stopAll();
      return Promise.resolve();
    },
  };
}

/** The leader elector: campaigns from start (once the directory names the control plane) and releases the lease on stop. */
export function leaderElectionRunnable(election: LeaderElection): Runnable {
  return {
    name: 'leader election',
    start: (signal) => {
      election.start(signal);
      return Promise.resolve();
    },
    stop: () => election.stop(),
  };
}
