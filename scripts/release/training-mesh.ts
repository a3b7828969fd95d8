// Where `npm run dist` trains the CLI's code cache on real passes (code-cache.ts): three local test
// clusters of tools/testenv, started for the training and stopped after it, when this machine has
// built their binaries (`npm test`, `npm run demo` and the benches build them; CI has them). Without
// them, or with `--offline-cache`, the cache is trained offline as before and the build says so.
import { existsSync } from 'node:fs';
import type * as Testenv from '@meshd/testenv';
import type { TrainingMesh } from './code-cache.js';

/** Why a build trains its code cache offline, or undefined when it can train on test clusters. */
async function offlineReason(argv: readonly string[]): Promise<string | undefined> {
  if (argv.includes('--offline-cache')) return '--offline-cache';
  let testenv: typeof Testenv;
  try {
    testenv = await import('@meshd/testenv');
  } catch {
    return 'tools/testenv is not built (npm run build)';
  }
  const paths = testenv.binaryPaths();
  const absent = [...testenv.missingBinaries(paths), ...(existsSync(paths.helm) ? [] : [paths.helm])];
  return absent.length > 0 ? `no test cluster binaries (${absent.join(', ')}; npm test builds them)` : undefined;
}

/**
 * Runs `train` with a mesh of three fresh local test clusters (control plane first, nothing installed,
 * a meshd.yaml with this repository's chart and the built helm, a state directory of its own), or
 * with undefined when it cannot (`log` says why: no binaries, `--offline-cache`, clusters that did not
 * start). A command of the training that fails is logged, not fatal. Everything it started and wrote is gone after.
 */
export async function withTrainingMesh<T>(argv: readonly string[], log: (msg: string) => void, train: (mesh: TrainingMesh | undefined) => T): Promise<T> {
  const reason = await offlineReason(argv);
  if (reason !== undefined) {
    log(`code cache: trained offline (${reason})`);
    return train(undefined);
  }
  const { binaryPaths, startClusters } = await import('@meshd/testenv');
  const { clusterKubeconfigs } = await import('../../bench/lib/clusters.js');
  const { createWorkspace, meshdConfigText } = await import('../../bench/lib/workspace.js');
  let env: Testenv.TestEnv;
  try {
    env = await startClusters({ count: 3 });
  } catch (err) {
    // A build machine whose clusters cannot start (ports, a stale binary) still builds: offline, and says so.
    log(`code cache: trained offline (the test clusters did not start: ${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    return train(undefined);
  }
  try {
    const ws = await createWorkspace(await clusterKubeconfigs(env), meshdConfigText({ helm: binaryPaths().helm, secretNamespaces: ['default'] }));
    try {
      log('code cache: trained on 3 local test clusters (apply from empty, a no-op apply, plan)');
      return train({ dir: ws.dir, config: ws.configPath });
    } finally {
      await ws.cleanup();
    }
  } finally {
    await env.stop();
  }
}
