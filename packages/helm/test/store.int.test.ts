// helm's answers kept between processes (HelmStore), against the real helm binary: each RenderCache
// here stands for a new `meshd apply` process; a wrapper script in front of helm counts its runs.
import { chmod, cp, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryPaths } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelmStore, RenderCache, detectHelmStored, resolveValues, type HelmBinary } from '../src/index.js';

const CHART = fileURLToPath(new URL('../../../examples/charts/istio-remote', import.meta.url));
const ENDPOINTS = { pilot: '192.0.2.12', policy: '192.0.2.15', statsd: '192.0.2.17' };
let work: string;
let chart: string;
let counter: string;
let helm: HelmBinary;
let store: HelmStore;

/** A new process's render of the chart copy (a fresh RenderCache shares nothing in memory). */
const render = (values: Record<string, unknown> = {}) =>
  new RenderCache({ store }).render({
    helm,
    chartDir: chart,
    release: 'istio-remote',
    namespace: 'istio-system',
    values: resolveValues({ endpoints: ENDPOINTS, userValues: values }),
  });

/** How many times helm ran so far. */
const helmRuns = async (): Promise<number> => (await readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

async function writeWrapper(extra = ''): Promise<void> {
  await writeFile(helm.binary, `#!/bin/sh\n# ${extra}\necho "$1" >> ${counter}\nexec ${binaryPaths().helm} "$@"\n`);
  await chmod(helm.binary, 0o755);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'meshd-helm-store-'));
  chart = path.join(work, 'chart');
  await cp(CHART, chart, { recursive: true });
  counter = path.join(work, 'runs');
  helm = { binary: path.join(work, 'helm'), major: 3 };
  await writeWrapper();
  store = new HelmStore(path.join(work, 'state', 'helm-cache'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('HelmStore', () => {
  it('renders once for the same binary, chart and values, and again when any of them changes', async () => {
    const first = await render();
    expect(await helmRuns()).toBe(1);
    const again = await render();
    expect(again.objects).toEqual(first.objects);
    expect(await helmRuns()).toBe(1);

    await render({ global: { proxy: { image: 'proxyv2' } } });
    expect(await helmRuns()).toBe(2);

    await writeFile(path.join(chart, 'templates', 'extra.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n');
    const edited = await render();
    expect(edited.objects.map((o) => o.metadata.name)).toContain('extra');
    expect(await helmRuns()).toBe(3);

    await writeWrapper('another helm');
    await render();
    expect(await helmRuns()).toBe(4);
  });

  it('treats a damaged entry as a miss and keeps its files private', async () => {
    const dir = store.dir;
    for (const name of await readdir(dir)) await writeFile(path.join(dir, name), '{"key": "not this one", "text": 1');
    const before = await helmRuns();
    const rendered = await render();
    expect(rendered.objects.length).toBeGreaterThan(5);
    expect(await helmRuns()).toBe(before + 1);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(dir)) expect((await stat(path.join(dir, name))).mode & 0o777).toBe(0o600);
  });

  it('keeps the parsed objects beside the output, and parses again when that entry is damaged', async () => {
    const fresh = await render({ keptParse: 1 });
    // The entries written so far (the test above left damaged ones behind: skipped).
    const entries = async (): Promise<{ file: string; key: string }[]> => {
      const out: { file: string; key: string }[] = [];
      for (const name of await readdir(store.dir)) {
        const file = path.join(store.dir, name);
        try {
          out.push({ file, key: (JSON.parse(await readFile(file, 'utf8')) as { key: string }).key });
        } catch {
          // damaged
        }
      }
      return out;
    };
    const kept = (await entries()).filter((e) => (JSON.parse(e.key) as unknown[])[1] === 'objects');
    expect(kept.length).toBeGreaterThan(0);
    // What is kept is the parse itself: reading it back gives the same objects as parsing helm's output.
    const again = await render({ keptParse: 1 });
    expect(again.objects).toEqual(fresh.objects);
    for (const e of kept) await writeFile(e.file, JSON.stringify({ key: e.key, text: '[{"apiVersion": "v1", "kind": "Config' }));
    const runs = await helmRuns();
    const reparsed = await render({ keptParse: 1 });
    expect(reparsed.objects).toEqual(fresh.objects);
    expect(reparsed.objects.map((o) => o.kind)).toContain('Deployment');
    expect(await helmRuns()).toBe(runs);
  });

  it('remembers `helm version` for an unchanged binary only', async () => {
    // Each symbolic link stands for a new process: detectHelmShared's in-memory answer is per path.
    const link = async (name: string): Promise<string> => {
      const at = path.join(work, name);
      await symlink(helm.binary, at);
      return at;
    };
    const runs = await helmRuns();
    const first = await detectHelmStored(store, await link('helm-a'));
    expect(first).toMatchObject({ major: 3, version: expect.stringMatching(/^v3\./) });
    expect(await helmRuns()).toBe(runs + 1);
    expect(await detectHelmStored(store, await link('helm-b'))).toEqual(first);
    expect(await helmRuns()).toBe(runs + 1);
    await writeWrapper('upgraded');
    expect(await detectHelmStored(store, await link('helm-c'))).toEqual(first);
    expect(await helmRuns()).toBe(runs + 2);
  });
});
