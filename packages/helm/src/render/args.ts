import type { HelmMajor } from '../run/detect.js';

/** What to render: a release of a chart directory with a values file. */
export interface HelmTemplateTarget {
  release: string;
  namespace: string;
  chartDir: string;
  /** Path of a YAML (or JSON) values file; values are never passed with --set. */
  valuesFile: string;
}

/**
 * The argv (after the binary) of `helm template` for a Helm major version. Pure.
 * - Helm 3: `template RELEASE CHART --namespace NS --values FILE --include-crds` (CRDs from crds/
 *   are part of what meshd applies).
 * - Helm 2: `template CHART --name RELEASE --namespace NS --values FILE`.
 */
export function helmTemplateArgs(major: HelmMajor, target: HelmTemplateTarget): string[] {
  const common = ['--namespace', target.namespace, '--values', target.valuesFile];
  if (major === 2) return ['template', target.chartDir, '--name', target.release, ...common];
  return ['template', target.release, target.chartDir, ...common, '--include-crds'];
}
