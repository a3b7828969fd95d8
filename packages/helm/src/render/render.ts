import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TextMemo } from '@meshd/core/util';
import { type KubeObject } from '@meshd/core/kube';
import { helmTemplateArgs } from './args.js';
import type { HelmMajor } from '../run/detect.js';
import { runHelm } from '../run/exec.js';
import { parseRenderedManifests, parserSource } from './parse.js';
import { sha256Hex } from './hash.js';
import type { ChartValues } from './values.js';

/** The helm binary to run and which argument syntax it speaks (from detectHelm). */
export interface HelmBinary {
  binary: string;
  major: HelmMajor;
  /** Environment of the helm process (e.g. HELM_HOME for Helm 2); default: inherited. */
  env?: NodeJS.ProcessEnv;
}

/** One `helm template` run: chart, release, namespace and the final values. */
export interface RenderRequest {
  helm: HelmBinary;
  chartDir: string;
  release: string;
  namespace: string;
  values: ChartValues;
  signal?: AbortSignal;
  /** Kill helm after this long (default 60 s). */
  timeoutMs?: number;
}

const HOOK_ANNOTATION = 'helm.sh/hook';

/** True for Helm test hooks (`helm test` pods): never part of what is applied. */
export function isTestHook(obj: KubeObject): boolean {
  const hooks = obj.metadata.annotations?.[HOOK_ANNOTATION] ?? '';
  return hooks.split(',').some((hook) => /^test(-success|-failure)?$/.test(hook.trim()));
}

/** The identity of renderedObjects' code (it, the test-hook filter and the parser): stored parses carry it. */
export function renderedObjectsParser(): string {
  return sha256Hex([String(renderedObjects), String(isTestHook), parserSource()].join('\n'));
}

/** The objects of `helm template`'s output, as renderChart returns them. Pure. */
export function renderedObjects(stdout: string, namespace: string): KubeObject[] {
  return structuredClone(parsedRenders.get(namespace, stdout, () => parseRenderedManifests(stdout, namespace).filter((obj) => !isTestHook(obj))));
}

/**
 * The objects of `helm template` outputs already parsed in this process, by namespace and output:
 * every remote of a mesh usually gets the same rendering (the same values), and the daemon's passes
 * and a one-shot pass's stored renderings repeat it. Parsing YAML costs ~50× a structured clone.
 */
const parsedRenders = new TextMemo<KubeObject[]>(64);

/**
 * Renders a chart with `helm template` and returns its objects in helm's output order:
 * empty documents dropped, test hooks dropped, namespaced objects placed in `namespace` when the
 * chart leaves it out. Values go through a private temp file (`--values`), never `--set`. Runs the
 * binary without a shell. Throws MeshdError MESHD_ERR_HELM with helm's exit code and stderr. It
 * only runs helm: whether to render, and caching, are the caller's (see RenderCache).
 */
export async function renderChart(request: RenderRequest): Promise<KubeObject[]> {
  return renderedObjects(await helmTemplate(request), request.namespace);
}

/** The arguments of `helm template` for `request`, with `valuesFile` as the values file. */
export function renderArgs(request: RenderRequest, valuesFile: string): string[] {
  return helmTemplateArgs(request.helm.major, {
    release: request.release,
    namespace: request.namespace,
    chartDir: path.resolve(request.chartDir),
    valuesFile,
  });
}

/** What `helm template` prints for `request` (see renderChart). */
export async function helmTemplate(request: RenderRequest): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshd-helm-values-'));
  try {
    const valuesFile = path.join(dir, 'values.yaml');
    // JSON is YAML: no quoting or escaping questions for Helm's parser.
    await writeFile(valuesFile, JSON.stringify(request.values), { mode: 0o600 });
    const { stdout } = await runHelm(request.helm.binary, renderArgs(request, valuesFile), {
      signal: request.signal,
      timeoutMs: request.timeoutMs,
      env: request.helm.env,
      exitCode: 'MESHD_ERR_CHART_RENDER',
    });
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
