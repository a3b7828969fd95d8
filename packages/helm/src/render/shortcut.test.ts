import { createHash } from 'node:crypto';
import { MeshdError } from '@meshd/core';
import { type KubeObject } from '@meshd/core/kube';
import { describe, expect, it } from 'vitest';
import { releaseValues } from '../istio-remote-values.js';
import { RenderCache } from './cache.js';
import type { MoveEndpoints } from './endpoint-sentinels.js';
import type { RenderRequest } from './render.js';
import { EndpointShortcut, type ShortcutInput, type ShortcutMismatch } from './shortcut.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };

/** A chart as a function of its values: one Endpoints per endpoint, optionally doing something with the address. */
type Chart = (global: Record<string, string>) => KubeObject[];
const copying: Chart = (g) =>
  ['pilotEndpoint', 'policyEndpoint', 'statsdEndpoint'].map((key) => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: key, namespace: 'istio-system' },
    subsets: [{ addresses: [{ ip: g[key] }] }],
  }));
const hashing: Chart = (g) =>
  copying(g).map((o) => ({
    ...o,
    metadata: {
      ...o.metadata,
      annotations: {
        sum: createHash('sha256')
          .update(g.pilotEndpoint ?? '')
          .digest('hex'),
      },
    },
  }));
/** Differs from copying only for addresses in 10.9.0.0/16 (a branch no sentinel takes). */
const branching: Chart = (g) =>
  copying(g).map((o) => (g.pilotEndpoint?.startsWith('10.9.') ? { ...o, metadata: { ...o.metadata, labels: { special: 'yes' } } } : o));
/** Refuses loopback addresses, as the bundled chart does. */
const validating: Chart = (g) => {
  if (g.pilotEndpoint?.startsWith('127.')) throw new MeshdError('MESHD_ERR_CHART_RENDER', 'global.pilotEndpoint must not be a loopback address');
  return copying(g);
};

/** A RenderCache over `chart` whose helm runs can be held (gate) and are counted. */
function setup(chart: Chart, checkDelayMs = 0) {
  let open = true;
  let waiting: (() => void)[] = [];
  const runs: Record<string, unknown>[] = [];
  const render = async (request: RenderRequest): Promise<KubeObject[]> => {
    runs.push(request.values);
    if (!open) await new Promise<void>((resolve) => waiting.push(resolve));
    return chart((request.values as { global: Record<string, string> }).global);
  };
  const cache = new RenderCache({ render, digest: () => Promise.resolve('chart') });
  const mismatches: ShortcutMismatch[] = [];
  const shortcut = new EndpointShortcut({ cache, logger: silent, onMismatch: (m) => mismatches.push(m), checkDelayMs });
  const gate = {
    hold: () => void (open = false),
    release: () => {
      open = true;
      waiting.forEach((go) => go());
      waiting = [];
    },
  };
  return { cache, shortcut, runs, mismatches, gate };
}

const input = (endpoints: MoveEndpoints): ShortcutInput => {
  const valuesOf = (e: MoveEndpoints): Record<string, unknown> => releaseValues(e, {}, { overrides: {} });
  return {
    request: { helm: { binary: 'helm', major: 3 }, chartDir: '/chart', release: 'istio-remote', namespace: 'istio-system', values: valuesOf(endpoints) },
    endpoints,
    valuesOf,
  };
};
const FIRST = { pilot: '10.0.0.5', policy: '10.0.0.6', statsd: '10.0.0.7' };
const ipOf = (objects: KubeObject[]): unknown => (objects[0] as unknown as { subsets: { addresses: { ip: string }[] }[] }).subsets[0]?.addresses[0]?.ip;

describe('EndpointShortcut', () => {
  it('renders a move by substitution with no helm run in its path, then helm confirms it', async () => {
    const t = setup(copying);
    await t.shortcut.render(input(FIRST));
    await t.shortcut.settled();
    expect(t.runs).toHaveLength(3); // the real render, then the shape with both sentinel sets
    expect(t.shortcut.counts()).toMatchObject({ shapesProven: 1 });
    t.gate.hold();
    const moved = await t.shortcut.render(input({ ...FIRST, pilot: '10.0.1.9' }));
    // Resolved while helm's check (the 4th run) is still held.
    expect(ipOf(moved.objects)).toBe('10.0.1.9');
    expect(moved.objects).toEqual(copying(input({ ...FIRST, pilot: '10.0.1.9' }).request.values.global as Record<string, string>));
    expect(t.shortcut.counts()).toMatchObject({ substituted: 1, verified: 0 });
    t.gate.release();
    await t.shortcut.settled();
    expect(t.runs).toHaveLength(4);
    expect(t.shortcut.counts()).toMatchObject({ substituted: 1, verified: 1, mismatches: 0 });
  });

  it("starts helm's check of a substituted render only after the check delay", async () => {
    const t = setup(copying, 80);
    await t.shortcut.render(input(FIRST));
    await t.shortcut.settled();
    const moved = await t.shortcut.render(input({ ...FIRST, pilot: '10.0.1.9' }));
    expect(ipOf(moved.objects)).toBe('10.0.1.9');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The pass that applies the substituted render runs now; helm's check has not started beside it.
    expect(t.runs).toHaveLength(3);
    await t.shortcut.settled();
    expect(t.runs).toHaveLength(4);
    expect(t.shortcut.counts()).toMatchObject({ substituted: 1, verified: 1, mismatches: 0 });
  });

  it('prepares a move by substitution, and the pass finds it', async () => {
    const t = setup(copying);
    await t.shortcut.render(input(FIRST));
    await t.shortcut.settled();
    expect(await t.shortcut.prepare(input({ ...FIRST, statsd: '10.0.2.2' }))).toBe('substituted');
    const hits = t.cache.counts().hits;
    await t.shortcut.render(input({ ...FIRST, statsd: '10.0.2.2' }));
    expect(t.cache.counts().hits).toBe(hits + 1);
  });

  it('substitutes and checks once when remotes with the same values ask together', async () => {
    const t = setup(copying);
    await t.shortcut.render(input(FIRST));
    await t.shortcut.settled();
    const moved = input({ ...FIRST, pilot: '10.0.1.9' });
    const prepared = await Promise.all([t.shortcut.prepare(moved), t.shortcut.prepare(moved)]);
    const rendered = await Promise.all([t.shortcut.render(moved), t.shortcut.render(moved)]);
    await t.shortcut.settled();
    expect(prepared.sort()).toEqual(['cached', 'substituted']);
    expect(rendered[0]?.objects).toEqual(rendered[1]?.objects);
    expect(t.runs).toHaveLength(4);
    expect(t.shortcut.counts()).toMatchObject({ substituted: 1, verified: 1 });
  });

  it('refuses a chart that hashes an address: every move runs helm', async () => {
    const t = setup(hashing);
    await t.shortcut.render(input(FIRST));
    await t.shortcut.settled();
    expect(t.shortcut.counts()).toMatchObject({ shapesProven: 0, shapesRefused: 1 });
    const moved = await t.shortcut.render(input({ ...FIRST, pilot: '10.0.1.9' }));
    expect(t.runs).toHaveLength(4);
    expect(moved.objects).toEqual(hashing({ pilotEndpoint: '10.0.1.9', policyEndpoint: '10.0.0.6', statsdEndpoint: '10.0.0.7' }));
  });

  it('disables the shape, keeps helm’s render and asks for a pass when helm contradicts a substitution', async () => {
    const t = setup(branching);
    await t.shortcut.render(input(FIRST));
    await t.shortcut.settled();
    const wrong = await t.shortcut.render(input({ ...FIRST, pilot: '10.9.0.1' }));
    expect(wrong.objects[0]?.metadata.labels).toBeUndefined();
    await t.shortcut.settled();
    expect(t.mismatches).toHaveLength(1);
    expect(t.mismatches[0]?.reason).toMatch(/differs from helm/);
    const corrected = await t.shortcut.render(input({ ...FIRST, pilot: '10.9.0.1' }));
    expect(corrected.objects[0]?.metadata.labels).toEqual({ special: 'yes' });
    // Disabled: the next move runs helm.
    const runs = t.runs.length;
    await t.shortcut.render(input({ ...FIRST, pilot: '10.0.3.3' }));
    expect(t.runs.length).toBe(runs + 1);
    expect(t.shortcut.counts()).toMatchObject({ substituted: 1, mismatches: 1 });
  });

  it('forgets a substituted render helm refuses, so the next render reports helm’s error', async () => {
    const t = setup(validating);
    await t.shortcut.render(input(FIRST));
    await t.shortcut.settled();
    await t.shortcut.render(input({ ...FIRST, pilot: '127.0.0.9' }));
    await t.shortcut.settled();
    expect(t.mismatches[0]?.reason).toMatch(/helm failed.*loopback/);
    await expect(t.shortcut.render(input({ ...FIRST, pilot: '127.0.0.9' }))).rejects.toThrow(/loopback/);
  });

  it('runs helm for values that put an endpoint inside a longer string', async () => {
    const t = setup(copying);
    const valuesOf = (e: MoveEndpoints): Record<string, unknown> => releaseValues(e, { url: 'grpc://${pilot}:15010' }, { overrides: {} });
    const of = (endpoints: MoveEndpoints): ShortcutInput => ({
      ...input(endpoints),
      request: { ...input(endpoints).request, values: valuesOf(endpoints) },
      valuesOf,
    });
    await t.shortcut.render(of(FIRST));
    await t.shortcut.settled();
    await t.shortcut.render(of({ ...FIRST, pilot: '10.0.1.9' }));
    expect(t.runs).toHaveLength(2);
    expect(t.shortcut.counts()).toMatchObject({ substituted: 0, shapesProven: 0 });
  });
});
