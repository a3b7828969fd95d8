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

/**
 * Renders each distinct (chart digest, values hash, release, namespace, helm binary) once and shares
 * the result: concurrent callers asking for the same render wait on the same helm run. A failed
 * render is forgotten, so the next call runs helm again. Every caller gets its own deep copy of the
 * objects. The cache owns its entries; it never decides whether a render is needed.
 */
export class RenderCache {
  private readonly entries = new Map<string, Promise<RenderedRelease>>();
  private readonly renderFn: (request: RenderRequest, chartDigest: string) => Promise<KubeObject[]>;
  private readonly digestFn: (chartDir: string) => Promise<string>;
  private readonly maxEntries: number;
  private readonly signal: AbortSignal | undefined;

  constructor(options: RenderCacheOptions = {}) {
    const store = options.store;
    this.renderFn = options.render ?? (store ? (request, chartDigest) => renderChartStored(store, request, chartDigest) : renderChart);
    this.digestFn = options.digest ?? chartDigest;
    this.maxEntries = Math.max(1, options.maxEntries ?? 16);
    this.signal = options.signal;
  }

  /** Renders in the cache (kept renders, including ones in flight). */
  get size(): number {
    return this.entries.size;
  }

  /** The release rendered from `request` (request.signal only stops this caller's wait). */
  async render(request: RenderRequest): Promise<RenderedRelease> {
    const digest = await this.digestFn(request.chartDir);
    const hash = valuesHash(request.values);
    const { binary, major } = request.helm;
    const renderKey = sha256Hex(JSON.stringify([digest, hash, request.release, request.namespace, binary, major]));
    let entry = this.entries.get(renderKey);
    if (entry === undefined) {
      entry = this.start(renderKey, request, { chartDigest: digest, valuesHash: hash, renderKey });
    } else {
      this.entries.delete(renderKey); // refresh its place as most recently used
      this.entries.set(renderKey, entry);
    }
    const rendered = await waitOrAbort(entry, request.signal);
    return { ...rendered, objects: structuredClone(rendered.objects) };
  }

  /** Forgets every render (the next call of each runs helm again). */
  clear(): void {
    this.entries.clear();
  }

  private start(renderKey: string, request: RenderRequest, identity: Omit<RenderedRelease, 'objects'>): Promise<RenderedRelease> {
    const shared = { ...request, signal: this.signal };
    const entry = this.renderFn(shared, identity.chartDigest).then((objects) => ({ ...identity, objects }));
    entry.catch(() => {
      if (this.entries.get(renderKey) === entry) this.entries.delete(renderKey);
    });
    this.entries.set(renderKey, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return entry;
  }
}
