import type { KubeObject } from '@meshd/core/kube';
import { canonicalJson } from './hash.js';
import { detectHelmShared } from '../run/detect-shared.js';
import { parseHelmVersion, type HelmVersion } from '../run/detect.js';
import type { RunHelmOptions } from '../run/exec.js';
import { helmTemplate, renderArgs, renderChart, renderedObjects, type RenderRequest } from './render.js';
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
  if (stored !== undefined) return renderedObjects(stored, request.namespace);
  const stdout = await helmTemplate(request);
  await store.put(key, stdout);
  return renderedObjects(stdout, request.namespace);
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
