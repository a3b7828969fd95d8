// Where the integration tests find helm. Local stand-in for @meshd/testenv's binaryPaths() until
// that is exported from the testenv package; same cache layout (tools/build.sh writes it).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** The helm binaries the tests use: Helm 3 always, Helm 2 when tools/build has built it. */
export interface HelmBinaries {
  helm3: string;
  helm2?: string;
}

/** Finds the cached helm binaries; throws with the build command when Helm 3 is missing. */
export function helmBinaries(env: NodeJS.ProcessEnv = process.env): HelmBinaries {
  const root = env.MESHD_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'meshd');
  const helm3 = path.join(root, 'helm', 'v3.19.5', 'helm');
  if (!existsSync(helm3)) {
    throw new Error(`helm v3.19.5 is not built: ${helm3} is missing (run \`bash tools/build.sh\` first)`);
  }
  const helm2 = ['helm', 'helm2'].map((dir) => path.join(root, dir, 'v2.17.0', 'helm')).find((p) => existsSync(p));
  return helm2 === undefined ? { helm3 } : { helm3, helm2 };
}
