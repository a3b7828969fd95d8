import { setTimeout as delay } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '@meshd/core';
import type { KubeObject } from '@meshd/core/kube';
import type { PrepareOutcome, RenderCache, RenderIdentity, RenderedRelease } from './cache.js';
import {
  sentinelEndpoints,
  sentinelSetMap,
  shapeRenderFinding,
  shapeValuesFinding,
  substituteLeaves,
  type MoveEndpoints,
  type SentinelEndpoints,
} from './endpoint-sentinels.js';
import { checkRenderedObjects } from './parse.js';
import type { RenderRequest } from './render.js';
import type { ChartValues } from './values.js';

/** One render asked of the shortcut: the request (real values) and how its values were made from its endpoints. */
export interface ShortcutInput {
  /** The helm request with the real values. */
  request: RenderRequest;
  /** The endpoints `request.values` were made from. */
  endpoints: MoveEndpoints;
  /** Makes the values from endpoints as `request.values` was made (the same mapping and user values). */
  valuesOf(endpoints: MoveEndpoints): ChartValues;
  /** The chart directory's digest when the caller read it for the pass (see RenderCache.identify); read here otherwise. */
  chartDigest?: string | undefined;
}

/** A substituted render helm contradicted: the cache now holds helm's answer (or nothing, when helm failed). */
export interface ShortcutMismatch {
  renderKey: string;
  reason: string;
}

/** What an EndpointShortcut did since it was made (tests and benchmarks read it; nothing decides on it). */
export interface ShortcutCounts {
  /** Renders made by substitution instead of helm. */
  substituted: number;
  /** Of those, confirmed by helm's own render afterwards. */
  verified: number;
  /** Of those, contradicted by helm (the shape is disabled). */
  mismatches: number;
  /** Shapes proven (two sentinel renders agreed) and refused. */
  shapesProven: number;
  shapesRefused: number;
}

/** Options of an EndpointShortcut. */
export interface EndpointShortcutOptions {
  /** The render cache substituted renders go into, and whose helm runs prove and check them. */
  cache: RenderCache;
  /** Told when a substituted render was wrong: whatever applied it must apply again (the cache holds helm's render). */
  onMismatch(mismatch: ShortcutMismatch): void;
  logger: Logger;
  /** Aborted on shutdown: a check helm could not finish then is not a mismatch. */
  signal?: AbortSignal;
  /** How long helm's check of a substituted render waits before it starts (default CHECK_DELAY_MS). */
  checkDelayMs?: number;
}

/**
 * How long helm's check of a substituted render waits before it starts: a substituted render is
 * made for a pass that applies it right away (a prepared one, for the pass the old pod's deletion
 * starts), and that pass takes ~100 ms. Run beside it, helm's CPU (and the parse of its output on
 * the event loop) made a move's remotes ~25 ms later (bench:daemon: 104 ms with the check beside the
 * pass, 80 ms with it done before; bench/RESULTS.md, branch h50-move). The check still runs, later:
 * a wrong render stays applied that much longer before the requeue applies helm's.
 */
export const CHECK_DELAY_MS = 250;

type ShapeState = { objects: KubeObject[] } | { refused: string };

/** One request's shape: its values with sentinel endpoints (set a), the same with set b, and its key. */
interface Shape {
  key: string;
  a: SentinelEndpoints;
  b: SentinelEndpoints;
  requestA: RenderRequest;
  identityA: RenderIdentity;
}

/**
 * Takes helm out of an endpoint move's path. Renders differing only in the Pilot, Mixer and statsd
 * addresses share a shape: the values with each distinct address replaced by a sentinel
 * (endpoint-sentinels.ts). Once a shape is proven — rendered with two sentinel sets, the sentinels
 * found only as whole string values and the two renders equal but for them — a render of that shape
 * is the proven render with the real addresses put in (checked as a parse checks objects), kept in
 * the render cache, and helm renders the real values in the background: any difference (or a helm
 * failure) disables the shape for this process, puts helm's answer in the cache and reports a
 * mismatch (whoever applied it applies again). Shapes are proven in the background after a real
 * render, never in a caller's path. Owns its shapes; the cache owns the renders.
 */
export class EndpointShortcut {
  /** Settled shape proofs by key (proofs in flight are in `proving`). */
  private readonly shapes = new Map<string, ShapeState>();
  private readonly proving = new Map<string, Promise<void>>();
  private readonly background = new Set<Promise<void>>();
  private readonly tally: ShortcutCounts = { substituted: 0, verified: 0, mismatches: 0, shapesProven: 0, shapesRefused: 0 };

  constructor(private readonly o: EndpointShortcutOptions) {}

  /** What the shortcut did so far (a copy). */
  counts(): ShortcutCounts {
    return { ...this.tally };
  }

  /** Resolves once the shape proofs and checks started so far have finished (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** The release for `input.request`: kept, substituted from a proven shape, or rendered by helm (then its shape is proven later). */
  async render(input: ShortcutInput): Promise<RenderedRelease> {
    const identity = await this.o.cache.identify(input.request, input.chartDigest);
    const shape = this.o.cache.has(identity.renderKey) ? undefined : this.shapeOf(input, identity.chartDigest);
    const substituted = shape === undefined ? undefined : this.substitute(input, identity, shape);
    if (substituted !== undefined) return { ...identity, objects: substituted };
    const rendered = this.o.cache.render(input.request, identity);
    if (shape !== undefined) this.track(rendered.then(() => this.prove(shape)));
    return rendered;
  }

  /** RenderCache.prepare, substituting when the shape is proven ('substituted'); proves the shape after a real render. */
  async prepare(input: ShortcutInput): Promise<PrepareOutcome | 'substituted'> {
    const identity = await this.o.cache.identify(input.request).catch(() => undefined);
    if (identity === undefined) return 'failed';
    if (this.o.cache.has(identity.renderKey)) return 'cached';
    const shape = this.shapeOf(input, identity.chartDigest);
    if (shape !== undefined && this.substitute(input, identity, shape) !== undefined) return 'substituted';
    const outcome = await this.o.cache.prepare(input.request);
    if (shape !== undefined) this.track(this.prove(shape));
    return outcome;
  }

  /** The shape of `input`, or undefined when its values cannot be written with sentinels (see shapeValuesFinding). */
  private shapeOf(input: ShortcutInput, chartDigest: string): Shape | undefined {
    const a = sentinelEndpoints(input.endpoints, 'a');
    const b = sentinelEndpoints(input.endpoints, 'b');
    if (a === undefined || b === undefined) return undefined;
    const valuesA = input.valuesOf(a.endpoints);
    const finding = shapeValuesFinding(valuesA, input.request.values, a.binding);
    if (finding !== undefined) {
      this.o.logger.debug({ finding }, 'render shortcut not used for these values');
      return undefined;
    }
    const requestA = { ...input.request, values: valuesA };
    const identityA = this.o.cache.identityWith(requestA, chartDigest);
    return { key: identityA.renderKey, a, b, requestA, identityA };
  }

  /**
   * The proven shape's render with the real addresses (a copy for the caller), also put into the
   * cache, with helm's check started; undefined when the shape is not proven (or refused).
   */
  private substitute(input: ShortcutInput, identity: RenderIdentity, shape: Shape): KubeObject[] | undefined {
    const state = this.shapes.get(shape.key);
    // Another caller may have rendered or substituted it while this one computed the shape.
    if (state === undefined || 'refused' in state || this.o.cache.has(identity.renderKey)) return undefined;
    let objects: KubeObject[];
    try {
      objects = checkRenderedObjects(substituteLeaves(state.objects, shape.a.binding));
    } catch (err) {
      this.o.logger.warn({ err: String(err) }, 'render shortcut produced an invalid object; rendering with helm');
      return undefined;
    }
    this.o.cache.put(identity, objects);
    this.tally.substituted += 1;
    this.track(this.verify(input.request, identity, structuredClone(objects), shape.key));
    return objects;
  }

  /** Renders `shape` with both sentinel sets (once per shape) and records whether it is proven. */
  private prove(shape: Shape): Promise<void> {
    if (this.shapes.has(shape.key)) return Promise.resolve();
    const inFlight = this.proving.get(shape.key);
    if (inFlight !== undefined) return inFlight;
    const proof = this.proofOf(shape)
      .catch((err: unknown) => ({ refused: `a sentinel render failed: ${String(err)}` }))
      .then((state) => this.settle(shape.key, state))
      .finally(() => this.proving.delete(shape.key));
    this.proving.set(shape.key, proof);
    return proof;
  }

  private async proofOf(shape: Shape): Promise<ShapeState> {
    const { cache } = this.o;
    const first = await cache.renderUncached(shape.requestA, shape.identityA);
    const requestB = { ...shape.requestA, values: substituteLeaves(shape.requestA.values, sentinelSetMap(shape.a, shape.b)) };
    const second = await cache.renderUncached(requestB, cache.identityWith(requestB, shape.identityA.chartDigest));
    const finding = shapeRenderFinding(first, second, sentinelSetMap(shape.a, shape.b));
    return finding === undefined ? { objects: first } : { refused: finding };
  }

  private settle(key: string, state: ShapeState): void {
    this.shapes.set(key, state);
    if ('refused' in state) {
      this.tally.shapesRefused += 1;
      this.o.logger.info({ reason: state.refused }, 'render shortcut refused for this chart and values shape; every render runs helm');
    } else {
      this.tally.shapesProven += 1;
      this.o.logger.info({ objects: state.objects.length }, 'render shortcut proven for this chart and values shape');
    }
  }

  /** helm's own render of a substituted request: equal, or the shape is disabled and the cache corrected. */
  private async verify(request: RenderRequest, identity: RenderIdentity, objects: KubeObject[], shapeKey: string): Promise<void> {
    if (!(await this.afterCheckDelay())) return;
    let real: KubeObject[] | undefined;
    try {
      real = await this.o.cache.renderUncached(request, identity);
    } catch (err) {
      if (this.o.signal?.aborted === true) return;
      this.mismatch(identity, shapeKey, `helm failed where the substituted render succeeded: ${String(err)}`, undefined);
      return;
    }
    if (isDeepStrictEqual(real, objects)) this.tally.verified += 1;
    else this.mismatch(identity, shapeKey, 'the substituted render differs from helm', real);
  }

  /** Waits checkDelayMs (CHECK_DELAY_MS); false when shut down meanwhile (no check then). */
  private async afterCheckDelay(): Promise<boolean> {
    const ms = this.o.checkDelayMs ?? CHECK_DELAY_MS;
    if (ms > 0) await delay(ms, undefined, this.o.signal ? { signal: this.o.signal } : {}).catch(() => undefined);
    return this.o.signal?.aborted !== true;
  }

  private mismatch(identity: RenderIdentity, shapeKey: string, reason: string, real: KubeObject[] | undefined): void {
    this.shapes.set(shapeKey, { refused: reason });
    if (real === undefined) this.o.cache.drop(identity.renderKey);
    else this.o.cache.put(identity, real);
    this.tally.mismatches += 1;
    this.o.logger.warn(
      { reason, code: 'MESHD_ERR_CHART_RENDER' },
      'render shortcut contradicted by helm: disabled for this chart and values shape; applying helm render',
    );
    this.o.onMismatch({ renderKey: identity.renderKey, reason });
  }

  private track(work: Promise<unknown>): void {
    const done = work.then(
      () => undefined,
      () => undefined,
    );
    this.background.add(done);
    void done.finally(() => this.background.delete(done));
  }
}
