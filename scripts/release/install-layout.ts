import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Where an installed meshd keeps its istio-remote chart: `lib/meshd/chart`, beside the CLI bundle
 * `lib/meshd/cli.cjs` (a file of the tarball, or the asset the single executable /usr/bin/meshd
 * evaluates as /usr/lib/meshd/cli.cjs). The bundle uses this in place of pass-runner's
 * BUNDLED_CHART, which points into the repository.
 */
export function installedChartUrl(): URL {
  return pathToFileURL(resolve(dirname(__filename), 'chart'));
}
