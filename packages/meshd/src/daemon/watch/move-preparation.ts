import type { V1Pod } from '@kubernetes/client-node';
import { prepareRemotes } from '@meshd/core';
import type { LoadedPlugin, Logger, MeshdConfig, PrepareRemotesOptions } from '@meshd/core';
import { COMPONENT_SELECTORS, nextMoves, type DiscoveredEndpoints, type NextMove, type PodsByComponent } from '@meshd/core/discovery';
import type { DesiredMesh } from '@meshd/core/descriptor';

/** What MovePreparation reads; the daemon owns all of it. */
export interface MovePreparationOptions {
  /** The control-plane pods matching a selector, from the pod watch's cache (discovery's source); undefined when it cannot vouch for them. */
  pods: (labelSelector: string) => readonly V1Pod[] | undefined;
  config: () => MeshdConfig;
  plugins: () => readonly LoadedPlugin[];
  /** The mesh the last pass worked from (undefined before the first). */
  mesh: () => DesiredMesh | undefined;
  /** The pods the last pass chose (kept while they serve, as the passes keep them); undefined before the first. */
  chosen?: () => DiscoveredEndpoints | undefined;
  /** What prepares the remotes (default core's prepareRemotes); tests count calls. */
  prepare?: (options: PrepareRemotesOptions) => Promise<number>;
  logger: Logger;
}

/** Each component's pods from the cache, or undefined when the cache cannot answer for one. */
function podsByComponent(pods: MovePreparationOptions['pods']): PodsByComponent | undefined {
  const pilot = pods(COMPONENT_SELECTORS.pilot);
  const policy = pods(COMPONENT_SELECTORS.policy);
  const statsd = pods(COMPONENT_SELECTORS.statsd);
  return pilot && policy && statsd ? { pilot, policy, statsd } : undefined;
}

/** What MovePreparation logs once a move is prepared (bench:daemon counts it). */
export const PREPARED_MESSAGE = 'prepared the renders of a coming endpoint move';

/** Identity of a move: where every endpoint goes (one preparation per distinct one). */
function moveId(move: NextMove): string {
  const { pilot, policy, statsd } = move.endpoints;
  return JSON.stringify([move.component, pilot.ip, policy.ip, statsd.ip]);
}

/**
 * Takes the render off a Pilot (or Mixer, statsd) move's path. When a new pod gets its IP (its
 * sandbox runs: Pending while its containers start, then Running until its readiness probe passes)
 * or turns Ready while another is still chosen, the watch filter enqueues nothing (the choice stays),
 * and the daemon calls `podsChanged`: discovery's next choice is then known (`nextMoves`, from the
 * pod watch's cache; the new pod taken as it will be once Ready) and every remote's backend renders
 * with the endpoints the move will produce (`prepareRemotes`), so the pass that runs when the old pod
 * goes finds the render in the cache, done while the new pod was starting.
 *
 * Bounded: one preparation runs at a time (events meanwhile are coalesced into one more look), each
 * distinct move is prepared once, and the moves are read again before each one (a successor that
 * stopped being one is dropped, never prepared). It never enqueues, writes or blocks a pass: the
 * renderer's cache bounds what speculation may hold, and a pass that needs other values renders
 * them itself. Owns only its memory of the moves prepared (those still possible).
 */
export class MovePreparation {
  private readonly prepared = new Set<string>();
  /** Set and cleared synchronously around a drain, so a call that comes as one ends is never lost. */
  private busy = false;
  private running: Promise<void> = Promise.resolve();
  /** The pods changed since the drain last looked at them. */
  private changed = false;

  constructor(private readonly o: MovePreparationOptions) {}

  /** The control-plane pods changed without changing the endpoints chosen: prepare the next move (returns at once). */
  podsChanged(): void {
    this.changed = true;
    if (!this.busy) this.running = this.drain();
  }

  /** Resolves once no preparation runs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.busy) await this.running;
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.changed) {
        this.changed = false;
        for (let move = this.nextUnprepared(); move; move = this.nextUnprepared()) await this.prepareMove(move);
      }
    } finally {
      this.busy = false;
    }
  }

  /** The first possible move not prepared yet; forgets prepared moves that are no longer possible. */
  private nextUnprepared(): NextMove | undefined {
    const mesh = this.o.mesh();
    const pods = podsByComponent(this.o.pods);
    const moves = mesh && pods ? nextMoves(pods, this.o.config().endpoints, this.o.chosen?.()) : [];
    const possible = new Set(moves.map(moveId));
    for (const id of this.prepared) if (!possible.has(id)) this.prepared.delete(id);
    return moves.find((m) => !this.prepared.has(moveId(m)));
  }

  private async prepareMove(move: NextMove): Promise<void> {
    const mesh = this.o.mesh();
    if (!mesh) return;
    this.prepared.add(moveId(move));
    const started = performance.now();
    const { pilot, policy, statsd } = move.endpoints;
    const prepare = this.o.prepare ?? prepareRemotes;
    const done = await prepare({
      plugins: this.o.plugins(),
      config: this.o.config(),
      mesh,
      endpoints: { pilot: pilot.ip, policy: policy.ip, statsd: statsd.ip },
    });
    // Info: one line per standby pod that turns Ready (a rollout), not per pass.
    this.o.logger.info(
      {
        component: move.component,
        from: move.from.pod,
        to: move.to.pod,
        toReady: !move.prospective,
        prepared: done,
        ms: Math.round(performance.now() - started),
      },
      PREPARED_MESSAGE,
    );
  }
}
