// A benchmark's scratch area: the operator's cluster directory (NAME.yaml + NAME.kube.conf per
// cluster, as the Istio 0.8 guide's $HOME/multicluster) and a meshd.yaml next to it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Root of the repository (bench/lib/ is two levels down). */
export const REPO = resolve(import.meta.dirname, '../..');

/** The repository's own istio-remote chart. */
export const CHART = join(REPO, 'examples/charts/istio-remote');

/** What the directory needs of a cluster. */
export interface BenchCluster {
  name: string;
  kubeconfigText: string;
}

/** The scratch area. Whoever created it calls cleanup(). */
export interface Workspace {
  root: string;
  /** The cluster directory. */
  dir: string;
  configPath: string;
  cleanup(): Promise<void>;
}

/** A cluster descriptor as the guide shows it (spec placed correctly). */
export function descriptorText(name: string, controlPlane: boolean): string {
  return [
    'apiVersion: clusterregistry.k8s.io/v1alpha1',
    'kind: Cluster',
    'metadata:',
    `  name: ${name}`,
    '  annotations:',
    '    config.istio.io/pilotEndpoint: "istio-pilot.istio-system:15007"',
    '    config.istio.io/platform: Kubernetes',
    `    config.istio.io/pilotCfgStore: "${controlPlane}"`,
    `    config.istio.io/accessConfigFile: ${name}.kube.conf`,
    '',
  ].join('\n');
}

/** meshd.yaml for the benchmarks: this repository's chart, the given helm, the given secrets namespaces. */
export function meshdConfigText(opts: { helm: string; secretNamespaces: readonly string[]; extra?: readonly string[] }): string {
  const lines = [
    `chart: ${CHART}`,
    `helm: { binary: ${opts.helm} }`,
    `secrets: { names: [istio.default], namespaces: [${opts.secretNamespaces.join(', ')}] }`,
    ...(opts.extra ?? []),
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes every cluster (the first is the control plane) and meshd.yaml into a new temp directory. */
export async function createWorkspace(clusters: readonly BenchCluster[], configText: string): Promise<Workspace> {
  const root = await mkdtemp(join(tmpdir(), 'meshd-bench-'));
  const dir = join(root, 'multicluster');
  await mkdir(dir);
  await Promise.all(
    clusters.map(async (c, i) => {
      await writeFile(join(dir, `${c.name}.kube.conf`), c.kubeconfigText, { mode: 0o600 });
      await writeFile(join(dir, `${c.name}.yaml`), descriptorText(c.name, i === 0));
    }),
  );
  const configPath = join(root, 'meshd.yaml');
  await writeFile(configPath, /^stateDirectory:/m.test(configText) ? configText : `${configText}stateDirectory: ${join(root, 'state')}\n`);
  return { root, dir, configPath, cleanup: () => rm(root, { recursive: true, force: true }) };
}
