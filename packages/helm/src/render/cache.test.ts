import { MeshdError } from '@meshd/core';
import { type KubeObject } from '@meshd/core/kube';
import { describe, expect, it } from 'vitest';
import { RenderCache } from './cache.js';
import type { RenderRequest } from './render.js';

/** A render function that records its calls and renders one ConfigMap per request. */
function countingRender(options: { failFirst?: boolean } = {}) {
  const calls: RenderRequest[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const render = async (request: RenderRequest): Promise<KubeObject[]> => {
    calls.push(request);
    await gate;
    if (options.failFirst === true && calls.length === 1) throw new MeshdError('MESHD_ERR_HELM', 'boom');
    return [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: request.namespace }, data: request.values }];
  };
  return { calls, render, open: () => release() };
}

const digests: Record<string, string> = { '/charts/a': 'digest-a', '/charts/b': 'digest-b' };
const digest = (dir: string): Promise<string> => Promise.resolve(digests[dir] ?? 'unknown');
const request = (values: Record<string, unknown>, overrides: Partial<RenderRequest> = {}): RenderRequest => ({
  helm: { binary: '/bin/helm', major: 3 },
  chartDir: '/charts/a',
  release: 'istio-remote',
  namespace: 'istio-system',
  values,
  ...overrides,
});

describe('RenderCache', () => {
  it('renders once for concurrent callers with the same chart and values, giving each its own copy', async () => {
    const fake = countingRender();
    const cache = new RenderCache({ render: fake.render, digest });
    const pending = Array.from({ length: 5 }, () => cache.render(request({ b: 1, a: 2 })));
    fake.open();
    const results = await Promise.all(pending);
    expect(fake.calls).toHaveLength(1);
    expect(new Set(results.map((r) => r.renderKey)).size).toBe(1);
    expect(results[0]).toMatchObject({ chartDigest: 'digest-a', valuesHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    results[0]!.objects[0]!.metadata.name = 'mutated';
    expect(results[1]!.objects[0]!.metadata.name).toBe('cm');
    expect((await cache.render(request({ a: 2, b: 1 }))).objects[0]!.metadata.name).toBe('cm');
    expect(fake.calls).toHaveLength(1);
  });

  it.each([
    ['values', request({ a: 3 })],
    ['chart', request({ a: 2 }, { chartDir: '/charts/b' })],
    ['release', request({ a: 2 }, { release: 'other' })],
    ['namespace', request({ a: 2 }, { namespace: 'other' })],
    ['helm binary', request({ a: 2 }, { helm: { binary: '/bin/helm2', major: 2 } })],
  ])('renders again when the %s differs', async (_what, other) => {
    const fake = countingRender();
    fake.open();
    const cache = new RenderCache({ render: fake.render, digest });
    await cache.render(request({ a: 2 }));
    await cache.render(other);
    expect(fake.calls).toHaveLength(2);
  });

  it('forgets a failed render so the next call runs helm again', async () => {
    const fake = countingRender({ failFirst: true });
    fake.open();
    const cache = new RenderCache({ render: fake.render, digest });
    await expect(cache.render(request({ a: 1 }))).rejects.toThrow('boom');
    expect(cache.size).toBe(0);
    await expect(cache.render(request({ a: 1 }))).resolves.toMatchObject({ chartDigest: 'digest-a' });
    expect(fake.calls).toHaveLength(2);
  });

  it('keeps at most maxEntries renders, dropping the least recently used', async () => {
    const fake = countingRender();
    fake.open();
    const cache = new RenderCache({ render: fake.render, digest, maxEntries: 2 });
    await cache.render(request({ v: 1 }));
    await cache.render(request({ v: 2 }));
    await cache.render(request({ v: 1 })); // v1 is now the most recent
    await cache.render(request({ v: 3 })); // drops v2
    expect(cache.size).toBe(2);
    await cache.render(request({ v: 1 }));
    expect(fake.calls).toHaveLength(3);
    await cache.render(request({ v: 2 }));
    expect(fake.calls).toHaveLength(4);
  });

  it("lets a caller stop waiting without failing the others' shared render", async () => {
    const fake = countingRender();
    const cache = new RenderCache({ render: fake.render, digest });
    const controller = new AbortController();
    const impatient = cache.render(request({ a: 1 }, { signal: controller.signal }));
    const patient = cache.render(request({ a: 1 }));
    await Promise.resolve();
    controller.abort();
    await expect(impatient).rejects.toThrow(/aborted/);
    fake.open();
    await expect(patient).resolves.toMatchObject({ chartDigest: 'digest-a' });
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]!.signal).toBeUndefined();
  });
});

describe('RenderCache.prepare: a render ahead of the pass that will ask for it, bounded', () => {
  it('a pass asking for a prepared render runs no helm of its own: it joins the run in flight, or finds it kept', async () => {
    const fake = countingRender();
    const cache = new RenderCache({ render: fake.render, digest });
    const prepared = cache.prepare(request({ pilot: '192.0.2.2' }));
    await Promise.resolve();
    const joined = cache.render(request({ pilot: '192.0.2.2' }));
    fake.open();
    expect(await prepared).toBe('rendered');
    expect((await joined).objects[0]!.data).toEqual({ pilot: '192.0.2.2' });
    await cache.render(request({ pilot: '192.0.2.2' }));
    expect(fake.calls).toHaveLength(1);
    expect(cache.counts()).toEqual({ renders: 1, hits: 2, preparedHits: 1, prepared: 1, refused: 0 });
  });

  it('prepares nothing already kept', async () => {
    const fake = countingRender();
    fake.open();
    const cache = new RenderCache({ render: fake.render, digest });
    await cache.render(request({ pilot: '192.0.2.1' }));
    expect(await cache.prepare(request({ pilot: '192.0.2.1' }))).toBe('cached');
    expect(cache.counts()).toMatchObject({ renders: 1, prepared: 0 });
  });

  it('refuses beyond maxPrepared renders nobody asked for; one asked for, failed or pushed out frees its place', async () => {
    const fake = countingRender({ failFirst: true });
    fake.open();
    const cache = new RenderCache({ render: fake.render, digest, maxEntries: 4, maxPrepared: 2 });
    expect(await cache.prepare(request({ v: 1 }))).toBe('failed'); // forgotten: frees its place
    expect(await cache.prepare(request({ v: 2 }))).toBe('rendered');
    expect(await cache.prepare(request({ v: 3 }))).toBe('rendered');
    expect(await cache.prepare(request({ v: 4 }))).toBe('refused');
    await cache.render(request({ v: 2 })); // asked for: no longer speculative
    expect(await cache.prepare(request({ v: 4 }))).toBe('rendered');
    for (const v of [5, 6, 7]) await cache.render(request({ v })); // pushes v3 and v4 out of the cache
    expect(await cache.prepare(request({ v: 8 }))).toBe('rendered');
    expect(await cache.prepare(request({ v: 9 }))).toBe('rendered');
    expect(await cache.prepare(request({ v: 10 }))).toBe('refused');
    expect(cache.counts()).toMatchObject({ prepared: 6, refused: 2, preparedHits: 1 });
  });

  it('by default holds at most a quarter of the cache in unused prepared renders', async () => {
    const fake = countingRender();
    fake.open();
    const cache = new RenderCache({ render: fake.render, digest, maxEntries: 16 });
    const outcomes = [];
    for (let v = 0; v < 6; v++) outcomes.push(await cache.prepare(request({ v })));
    expect(outcomes).toEqual(['rendered', 'rendered', 'rendered', 'rendered', 'refused', 'refused']);
  });

  it('a failed prepared render is forgotten: the pass renders again and meets the failure itself', async () => {
    const fake = countingRender({ failFirst: true });
    fake.open();
    const cache = new RenderCache({ render: fake.render, digest });
    expect(await cache.prepare(request({ a: 1 }))).toBe('failed');
    await expect(cache.render(request({ a: 1 }))).resolves.toMatchObject({ chartDigest: 'digest-a' });
    expect(fake.calls).toHaveLength(2);
  });

  it('reads a chart directory once for callers that ask while its read is in flight, again for a later caller', async () => {
    const reads: string[] = [];
    let finish: () => void = () => {};
    const held = new Promise<void>((resolve) => (finish = resolve));
    const slowDigest = async (dir: string): Promise<string> => {
      reads.push(dir);
      await held;
      return digests[dir] ?? 'unknown';
    };
    const cache = new RenderCache({ render: countingRender().render, digest: slowDigest });
    // A Pilot move: both remotes' renders identify the same chart together, and another chart beside them.
    const together = Promise.all([
      cache.identify(request({ r: 1 })),
      cache.identify(request({ r: 2 })),
      cache.identify(request({}, { chartDir: '/charts/b' })),
    ]);
    finish();
    const [one, two, other] = await together;
    expect(reads).toEqual(['/charts/a', '/charts/b']);
    expect([one.chartDigest, two.chartDigest, other.chartDigest]).toEqual(['digest-a', 'digest-a', 'digest-b']);
    expect(one.renderKey).not.toBe(two.renderKey);
    await cache.identify(request({ r: 1 }));
    expect(reads).toEqual(['/charts/a', '/charts/b', '/charts/a']);
  });
  it('reads no chart directory when the caller gives the digest it read for the pass, and names the render by it', async () => {
    const reads: string[] = [];
    const countingDigest = (dir: string): Promise<string> => {
      reads.push(dir);
      return digest(dir);
    };
    const cache = new RenderCache({ render: countingRender().render, digest: countingDigest });
    const given = await Promise.all([1, 2, 3].map((r) => cache.identify(request({ r }), 'digest-of-the-pass')));
    expect(reads).toEqual([]);
    expect(given.map((i) => i.chartDigest)).toEqual(['digest-of-the-pass', 'digest-of-the-pass', 'digest-of-the-pass']);
    const read = await cache.identify(request({ r: 1 }));
    expect(reads).toEqual(['/charts/a']);
    expect(read.renderKey).not.toBe(given[0]?.renderKey);
  });
});
