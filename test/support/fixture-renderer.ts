// A mesh whose backend is the throwaway fixture renderer (test/fixtures/renderer-plugin): its config
// lines, its plugin list (meshd's own plus the fixture: the one registration line), its manifest and
// one `meshd apply` pass with that list. Shared by the renderer tests.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '@meshd/core/kube';
import type { PassReport } from '@meshd/core';
import { captureIo, silentLogger } from '@meshd/testkit';
import { BUILTIN_PLUGINS, runCommandPass } from 'meshd';
import { FIXTURE_RENDERER, fixtureRendererPlugin } from '../fixtures/renderer-plugin/index.js';
import type { MeshWorkspace } from './mesh.js';

/** meshd.yaml lines of a fixture-renderer mesh; MANIFEST is replaced by writeFixtureManifest. */
export const FIXTURE_CONFIG = [`backend: ${FIXTURE_RENDERER}`, `plugins: { ${FIXTURE_RENDERER}: { manifest: MANIFEST } }`];

/** meshd's plugins plus the fixture. */
export const FIXTURE_PLUGINS = [...BUILTIN_PLUGINS, fixtureRendererPlugin];

/** The manifest file of a workspace. */
export function fixtureManifestOf(ws: Pick<MeshWorkspace, 'root'>): string {
  return join(ws.root, 'manifest.json');
}

/** Writes the fixture's manifest and points meshd.yaml's plugin section at it. */
export async function writeFixtureManifest(ws: MeshWorkspace, objects: readonly KubeObject[]): Promise<void> {
  await writeFile(fixtureManifestOf(ws), JSON.stringify(objects));
  const text = await readFile(ws.configPath, 'utf8');
  await writeFile(ws.configPath, text.replace('MANIFEST', JSON.stringify(fixtureManifestOf(ws))));
}

/** One `meshd apply` pass with the fixture's plugin list; its report. */
export async function fixtureApply(ws: MeshWorkspace): Promise<PassReport> {
  const { report } = await runCommandPass({
    mode: 'apply',
    dir: ws.dir,
    config: ws.configPath,
    logger: silentLogger(),
    io: captureIo(ws.root),
    plugins: FIXTURE_PLUGINS,
  });
  return report;
}

/** A Service the fixture renders in `namespace`. */
export function fixtureService(name: string, namespace: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'http', port: 8080 }], selector: { app: name } } };
}
