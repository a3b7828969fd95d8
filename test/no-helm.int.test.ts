// Issue 14 step 2: declared `needs` drive core. A mesh whose backend is a renderer that needs no helm
// runs with no helm binary on PATH (core asks for a helm client only for the clusters a plugin that
// needs one serves); the helm-template backend on the same bastion gets a clear prerequisite error
// naming helm, and writes nothing. Real kube-apiservers; the pass is meshd's own (runCommandPass).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { PassReport } from '@meshd/core';
import { captureIo, silentLogger } from '@meshd/testkit';
import { BUILTIN_PLUGINS, runCommandPass } from 'meshd';
import { FIXTURE_RENDERER, fixtureRendererPlugin } from './fixtures/renderer-plugin/index.js';
import { clientOf, useMesh } from './support/mesh.js';

const PLUGINS = [...BUILTIN_PLUGINS, fixtureRendererPlugin];
const NS = 'istio-system';
const mesh = useMesh({ count: 2, config: [`backend: ${FIXTURE_RENDERER}`, `plugins: { ${FIXTURE_RENDERER}: { manifest: MANIFEST } }`] });
const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

/** meshd.yaml with helm named by its bare name (found on PATH, like a bastion's default) and `backend` as given. */
async function configWith(backend: string): Promise<string> {
  const manifest = join(mesh.ws.root, 'manifest.json');
  await writeFile(manifest, JSON.stringify([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fixture-settings', namespace: NS }, data: {} }]));
  const text = (await readFile(mesh.ws.configPath, 'utf8'))
    .replace('MANIFEST', JSON.stringify(manifest))
    .replace(/^helm: \{ binary: .* \}$/m, 'helm: { binary: helm }')
    .replace(`backend: ${FIXTURE_RENDERER}`, `backend: ${backend}`);
  const path = join(mesh.ws.root, `meshd-${backend}.yaml`);
  await writeFile(path, text);
  return path;
}

/** One `meshd apply` pass with PATH holding no helm (an empty directory). */
async function applyWithoutHelm(config: string): Promise<PassReport> {
  process.env.PATH = await mkdtemp(join(tmpdir(), 'meshd-no-helm-'));
  try {
    const run = { mode: 'apply' as const, dir: mesh.ws.dir, config, logger: silentLogger(), io: captureIo(mesh.ws.root), plugins: PLUGINS };
    return (await runCommandPass(run)).report;
  } finally {
    process.env.PATH = savedPath;
  }
}

describe('a bastion without helm', () => {
  it('a renderer that needs no helm converges the remote: helm is never asked for', async () => {
    const report = await applyWithoutHelm(await configWith(FIXTURE_RENDERER));
    expect(report.errors, JSON.stringify(report.errors)).toEqual([]);
    for (const c of report.clusters) expect(c.lastError, `${c.name}: ${JSON.stringify(c.lastError)}`).toBeUndefined();
    expect(report.converged).toBe(true);
    const remote = report.clusters.find((c) => c.name === mesh.remote(1).name);
    expect(remote?.warnings.filter((w) => /helm/.test(w))).toEqual([]);
    expect(remote?.components.find((c) => c.component === FIXTURE_RENDERER)).toMatchObject({ state: 'absent', writes: expect.any(Number) });
    const cm = await clientOf(mesh.remote(1)).core.readNamespacedConfigMap({ name: 'fixture-settings', namespace: NS });
    expect(cm.data?.pilot).toBe(report.endpoints?.pilot);
  });

  it('the helm-template backend is blocked with a prerequisite error that names helm, and nothing is written to the remote', async () => {
    const report = await applyWithoutHelm(await configWith('helm-template'));
    const remote = report.clusters.find((c) => c.name === mesh.remote(1).name);
    expect(report.converged).toBe(false);
    expect(remote?.state).toBe('blocked');
    expect(remote?.lastError?.code).toBe('MESHD_ERR_PREREQUISITE');
    expect(remote?.lastError?.message).toMatch(/^cluster remote-\d+: the helm binary could not be run: .*ENOENT/);
    // The backend was not asked to plan (only the registry's credential step reports on a blocked remote).
    expect(remote?.components.map((c) => c.component)).not.toContain('helm-template');
    expect(remote?.components.every((c) => c.writes === 0)).toBe(true);
  });
});
