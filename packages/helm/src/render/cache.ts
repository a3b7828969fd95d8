import { MeshdError } from '@meshd/core';
import { type KubeObject } from '@meshd/core/kube';
import { chartDigest } from './digest.js';
import { sha256Hex, valuesHash } from './hash.js';
import { renderChart, type RenderRequest } from './render.js';
import type { HelmStore } from './store.js';
import { renderChartStored } from './stored.js';

/** A rendered release and the identities it was rendered from (what an inventory records). */
export interface RenderedRelease {
  objects: KubeObject[];
  /** chartDigest of the chart directory at render time. */
  chartDigest: string;
  /** valuesHash of the values. */
  valuesHash: string;
  /** Identity of this render: chart digest, values hash, release, namespace and helm binary. */
  renderKey: string;
}

/** How a RenderCache.prepare ended: found in the cache, rendered now, refused by the bound, or failed (forgotten). */
export type PrepareOutcome = 'cached' | 'rendered' | 'refused' | 'failed';

/** What a RenderCache did since it was made (tests and benchmarks read it; nothing decides on it). */
export interface RenderCacheCounts {
  /** Renders started (helm runs, or store reads with a store). */
  renders: number;
  /** render() calls answered by a render kept or in flight. */
  hits: number;
  /** Of those, the first ask for a render that prepare() started. */
  preparedHits: number;
  /** Renders prepare() started. */
  prepared: number;
  /** prepare() calls refused because the bound of unused prepared renders was reached. */
  refused: number;
}

/** Options of a RenderCache. */
export interface RenderCacheOptions {
  /** What renders (default renderChart, or renderChartStored with `store`); tests wrap it to count renders. */
  render?: (request: RenderRequest, chartDigest: string) => Promise<KubeObject[]>;
  /** Keeps helm's output between processes (see HelmStore); default none. */
  store?: HelmStore;
  /** What digests a chart directory (default chartDigest). */
  digest?: (chartDir: string) => Promise<string>;
  /** Renders kept (least recently used dropped first); default 16. */
  maxEntries?: number;
  /** Aborts renders in flight (e.g. daemon shutdown); a caller's own signal only stops its wait. */
  signal?: AbortSignal;
  /** Prepared renders not asked for yet that the cache holds at most; default a quarter of maxEntries (at least 1). */
  maxPrepared?: number;
}

function waitOrAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new MeshdError('MESHD_ERR_HELM', 'render wait was aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new MeshdError('MESHD_ERR_HELM', 'render wait was aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** A render's identity: its key and what the rendered release records. */
export type RenderIdentity = Omit<RenderedRelease, 'objects'>;

/**
 * Renders each distinct (chart digest, values hash, release, namespace, helm binary) once and shares
 * the result: concurrent callers asking for the same render wait on the same helm run. A failed
 * render is forgotten, so the next call runs helm again. Every caller gets its own deep copy of the
 * objects. `prepare` renders ahead for a pass that may come (the next Pilot move's values): such
 * renders are bounded (maxPrepared unused at once; beyond it prepare refuses), so speculation never
 * pushes more than that out of the cache. The cache owns its entries; it never decides whether a
 * render is needed.
 */
export class RenderCache {
  private readonly entries = new Map<string, Promise<RenderedRelease>>();
  /** Keys of renders prepare() started that no render() asked for yet. */
  private readonly unusedPrepared = new Set<string>();
  /** Chart directory reads in flight, by directory (see identify). */
  private readonly digesting = new Map<string, Promise<string>>();
  private readonly renderFn: (request: RenderRequest, chartDigest: string) => Promise<KubeObject[]>;
  private readonly digestFn: (chartDir: string) => Promise<string>;
  private readonly maxEntries: number;
  private readonly maxPrepared: number;
  private readonly signal: AbortSignal | undefined;
  private readonly tally: RenderCacheCounts = { renders: 0, hits: 0, preparedHits: 0, prepared: 0, refused: 0 };

  constructor(options: RenderCacheOptions = {}) {
    const store = options.store;
    this.renderFn = options.render ?? (store ? (request, chartDigest) => renderChartStored(store, request, chartDigest) : renderChart);
    this.digestFn = options.digest ?? chartDigest;
    this.maxEntries = Math.max(1, options.maxEntries ?? 16);
    this.maxPrepared = Math.max(1, options.maxPrepared ?? Math.floor(this.maxEntries / 4));
    this.signal = options.signal;
  }

  /** What the cache did so far (a copy). */
  counts(): RenderCacheCounts {
    return { ...this.tally };
  }

  /** Renders in the cache (kept renders, including ones in flight). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The release rendered from `request` (request.signal only stops this caller's wait); `known` is
   * its identity when the caller already has it (identify reads the chart directory).
   */
  async render(request: RenderRequest, known?: RenderIdentity): Promise<RenderedRelease> {
    const identity = known ?? (await this.identify(request));
    const { renderKey } = identity;
    let entry = this.entries.get(renderKey);
    if (entry === undefined) {
      entry = this.start(request, identity);
    } else {
      this.tally.hits += 1;
      if (this.unusedPrepared.delete(renderKey)) this.tally.preparedHits += 1;
      this.entries.delete(renderKey); // refresh its place as most recently used
      this.entries.set(renderKey, entry);
    }
    const rendered = await waitOrAbort(entry, request.signal);
    return { ...rendered, objects: structuredClone(rendered.objects) };
  }

  /**
   * Renders `request` into the cache for a render() that may come, and waits for it; never throws.
   * Refused while maxPrepared prepared renders wait unused (each leaves that count when render()
   * asks for it, fails, or is pushed out of the cache). request.signal is not used: the render is
   * the cache's, stopped only by the cache's own signal.
   */
  async prepare(request: RenderRequest): Promise<PrepareOutcome> {
    const identity = await this.identify(request).catch(() => undefined);
    if (identity === undefined) return 'failed';
    if (this.entries.has(identity.renderKey)) return 'cached';
    if (this.unusedPrepared.size >= this.maxPrepared) {
      this.tally.refused += 1;
      return 'refused';
    }
    const entry = this.start(request, identity);
    this.tally.prepared += 1;
    this.unusedPrepared.add(identity.renderKey);
    return entry.then(
      () => 'rendered',
      () => 'failed',
    );
  }

  /** Forgets every render (the next call of each runs helm again). */
  clear(): void {
    this.entries.clear();
    this.unusedPrepared.clear();
  }

  /** True when the render `renderKey` names is kept or in flight. */
  has(renderKey: string): boolean {
    return this.entries.has(renderKey);
  }

  /**
   * Keeps `objects` as the render of `identity`, in place of any entry (a render made another way:
   * see EndpointShortcut). The next render() of that key gets them without running helm.
   */
  put(identity: RenderIdentity, objects: KubeObject[]): void {
    this.entries.delete(identity.renderKey);
    this.unusedPrepared.delete(identity.renderKey);
    this.entries.set(identity.renderKey, Promise.resolve({ ...identity, objects: structuredClone(objects) }));
    this.trim();
  }

  /** Forgets the render of `renderKey` (the next render() runs helm). */
  drop(renderKey: string): void {
    this.forget(renderKey);
  }

  /** Runs helm for `request` now, keeping nothing (a check of a render made another way); counted as a render. */
  renderUncached(request: RenderRequest, identity: RenderIdentity): Promise<KubeObject[]> {
    this.tally.renders += 1;
    return this.renderFn({ ...request, signal: this.signal }, identity.chartDigest);
  }

  /**
   * What identifies `request`'s render: the chart digest, the values hash and the render key. `digest`
   * is the chart directory's when the caller read it (once for a whole pass: the helm renderer's
   * observeMesh); otherwise the directory is read for every call but one made while a read of it is in
   * flight, which joins that read: a Pilot move's remote keys render together and read the chart
   * once, not once each. A chart edited during that read is seen by the next render (as by a render
   * that began first).
   */
  async identify(request: RenderRequest, digest?: string): Promise<RenderIdentity> {
    return this.identityWith(request, digest ?? (await this.digestOf(request.chartDir)));
  }

  private digestOf(chartDir: string): Promise<string> {
    const inFlight = this.digesting.get(chartDir);
    if (inFlight !== undefined) return inFlight;
    const read = this.digestFn(chartDir).finally(() => this.digesting.delete(chartDir));
    this.digesting.set(chartDir, read);
    return read;
  }

  /** identify() for a request whose chart directory's digest is known (no read). */
  identityWith(request: RenderRequest, digest: string): RenderIdentity {
    const hash = valuesHash(request.values);
    const { binary, major } = request.helm;
    const renderKey = sha256Hex(JSON.stringify([digest, hash, request.release, request.namespace, binary, major]));
    return { chartDigest: digest, valuesHash: hash, renderKey };
  }

  private start(request: RenderRequest, identity: RenderIdentity): Promise<RenderedRelease> {
    const { renderKey } = identity;
    const shared = { ...request, signal: this.signal };
    this.tally.renders += 1;
    const entry = this.renderFn(shared, identity.chartDigest).then((objects) => ({ ...identity, objects }));
    entry.catch(() => {
      if (this.entries.get(renderKey) === entry) this.forget(renderKey);
    });
    this.entries.set(renderKey, entry);
    this.trim();
    return entry;
  }

  /** Drops the least recently used renders beyond maxEntries. */
  private trim(): void {
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
  }

  private forget(renderKey: string): void {
    this.entries.delete(renderKey);
    this.unusedPrepared.delete(renderKey);
  }
}
