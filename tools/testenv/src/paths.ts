import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository's tools/ directory (the same from src/ and from dist/). */
export const TOOLS_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Cached binaries the test environment runs; helm2/tiller only when tools/build/helm2.sh built them. */
export interface BinaryPaths {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubectl: string;
  etcd: string;
  helm: string;
  /** The Toxiproxy server (`testenv up --proxy`); `bash tools/build.sh toxiproxy` builds it. */
  toxiproxy: string;
  helm2?: string;
  tiller?: string;
}

/** Root of the binary cache: MESHD_CACHE_DIR, else $XDG_CACHE_HOME/meshd, else ~/.cache/meshd. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESHD_CACHE_DIR) return env.MESHD_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'meshd');
}

/** The version a wrapper go.mod (tools/go/<wrapper>/go.mod) requires of `module`. */
export function wrapperModuleVersion(wrapper: string, module: string): string {
  const goMod = readFileSync(join(TOOLS_DIR, 'go', wrapper, 'go.mod'), 'utf8');
  const escaped = module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!match?.[1]) throw new Error(`tools/go/${wrapper}/go.mod does not require ${module}`);
  return match[1];
}

/** Numeric comparison of "v2.17.0"-style versions (for picking the newest cached one). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] =>
    v
      .replace(/^v/, '')
      .split(/[.+-]/)
      .map((p) => Number.parseInt(p, 10) || 0);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Newest $CACHE/helm/v2.* or $CACHE/helm2/v2.* directory (tools/build/helm2.sh's output). */
function newestHelm2Dir(root: string): string | undefined {
  const candidates = ['helm', 'helm2'].flatMap((sub) => {
    const dir = join(root, sub);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((v) => /^v2\.\d+/.test(v))
      .map((v) => ({ v, path: join(dir, v) }));
  });
  candidates.sort((a, b) => compareVersions(a.v, b.v));
  return candidates.at(-1)?.path;
}

/**
 * Paths of the cached binaries for the versions the wrapper modules pin. Does not check that they
 * exist: `missingBinaries()` does, and `bash tools/build.sh all` builds them.
 */
export function binaryPaths(env: NodeJS.ProcessEnv = process.env): BinaryPaths {
  const root = cacheRoot(env);
  const k8s = join(root, 'k8s', wrapperModuleVersion('kubernetes', 'k8s.io/kubernetes'));
  const paths: BinaryPaths = {
    kubeApiserver: join(k8s, 'kube-apiserver'),
    kubeControllerManager: join(k8s, 'kube-controller-manager'),
    kubectl: join(k8s, 'kubectl'),
    etcd: join(root, 'etcd', wrapperModuleVersion('etcd', 'go.etcd.io/etcd/server/v3'), 'etcd'),
    helm: join(root, 'helm', wrapperModuleVersion('helm3', 'helm.sh/helm/v3'), 'helm'),
    toxiproxy: join(root, 'toxiproxy', wrapperModuleVersion('toxiproxy', 'github.com/Shopify/toxiproxy/v2'), 'toxiproxy-server'),
  };
  const helm2Dir = newestHelm2Dir(root);
  if (helm2Dir && existsSync(join(helm2Dir, 'helm'))) paths.helm2 = join(helm2Dir, 'helm');
  if (helm2Dir && existsSync(join(helm2Dir, 'tiller'))) paths.tiller = join(helm2Dir, 'tiller');
  return paths;
}

/** The binaries a cluster needs that are not in the cache yet (empty when ready to start). */
export function missingBinaries(paths: BinaryPaths): string[] {
  return [paths.etcd, paths.kubeApiserver, paths.kubeControllerManager].filter((p) => !existsSync(p));
}
