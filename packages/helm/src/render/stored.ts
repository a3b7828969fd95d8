import type { KubeObject } from '@meshd/core/kube';
import { canonicalJson, sha256Hex } from './hash.js';
import { detectHelmShared } from '../run/detect-shared.js';
import { parseHelmVersion, type HelmVersion } from '../run/detect.js';
import type { RunHelmOptions } from '../run/exec.js';
import { helmTemplate, renderArgs, renderChart, renderedObjects, renderedObjectsParser, type RenderRequest } from './render.js';
import { helmBinaryIdentity, type HelmStore } from './store.js';

/** The PATH helm is looked up on: its own environment's, else meshd's (execFile's lookup too). */
function pathOf(env: NodeJS.ProcessEnv | undefined): string | undefined {
  return (env ?? process.env).PATH;
}

/**
 * renderChart through a HelmStore: `helm template`'s output for the same binary (identity), the
 * same environment, arguments and values, and a chart with `chartDigest`, is taken from the store
 * instead of running helm; anything else runs helm and stores what it printed. A binary that cannot
 * be located is run without the store. Throws what renderChart throws.
 */
export async function renderChartStored(store: HelmStore, request: RenderRequest, chartDigest: string): Promise<KubeObject[]> {
  const identity = await helmBinaryIdentity(request.helm.binary, pathOf(request.helm.env));
  if (identity === undefined) return renderChart(request);
  const key = ['template', identity, request.helm.env ?? null, renderArgs(request, 'VALUES'), canonicalJson(request.values), chartDigest];
  const stored = await store.get(key);
  if (stored !== undefined) return await objectsStored(store, stored, request.namespace);
  const stdout = await helmTemplate(request);
  await store.put(key, stdout);
  return await objectsStored(store, stdout, request.namespace);
}

let parserIdentity: string | undefined;

/**
 * renderedObjects(stdout, namespace), its result kept in `store` beside the output: parsing a
 * chart's YAML is a one-shot command's largest single cost after start-up, reading it back as JSON
 * a small fraction of it. Keyed by the output's digest, the namespace and the parser's own code
 * (renderedObjectsParser), so a changed output or a meshd that parses differently parses again; a
 * damaged entry is parsed again too. Throws what renderedObjects throws (nothing is kept then).
 */
async function objectsStored(store: HelmStore, stdout: string, namespace: string): Promise<KubeObject[]> {
  parserIdentity ??= renderedObjectsParser();
  const key = ['objects', parserIdentity, sha256Hex(stdout), namespace];
  const kept = await store.get(key);
  if (kept !== undefined) {
    try {
      const objects: unknown = JSON.parse(kept);
      if (Array.isArray(objects)) return objects as KubeObject[];
    } catch {
      // A damaged entry: parse the output again.
    }
  }
  const objects = renderedObjects(stdout, namespace);
  await store.put(key, JSON.stringify(objects));
  return objects;
}

/**
 * detectHelmShared, remembered in `store` (when given) by the binary's identity: a helm that was
 * asked before, and has not changed since, is not run again. Throws what detectHelm throws.
 */
export async function detectHelmStored(
  store: HelmStore | undefined,
  binary: string,
  signal?: AbortSignal,
  options: Omit<RunHelmOptions, 'signal'> = {},
): Promise<HelmVersion> {
  const identity = store && (await helmBinaryIdentity(binary, pathOf(options.env)));
  if (store === undefined || identity === undefined) return detectHelmShared(binary, signal, options);
  const key = ['version', identity, options.env ?? null];
  const stored = await store.get(key);
  if (stored !== undefined) {
    try {
      return parseHelmVersion(stored);
    } catch {
      // A damaged entry: ask helm.
    }
  }
  const version = await detectHelmShared(binary, signal, options);
  await store.put(key, version.version);
  return version;
}
