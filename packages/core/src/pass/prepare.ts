import { BACKEND_ANNOTATION } from '../descriptor/annotations.js';
import type { DesiredMesh } from '../descriptor/mesh.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { MeshEndpoints } from '../plugin/types.js';
import { mapLimit } from '../util/concurrency.js';
import { componentsFor } from './components.js';
import { backendOf } from './remotes.js';
import type { PassConfig } from './types.js';

/** What preparing the remotes' next pass needs: the plugins, the settings, the mesh and the endpoints that pass may have. */
export interface PrepareRemotesOptions {
  plugins: readonly LoadedPlugin[];
  config: Pick<PassConfig, 'clusters' | 'backend' | 'concurrency'>;
  mesh: Pick<DesiredMesh, 'remotes'>;
  endpoints: MeshEndpoints;
}

/** The components serving a remote that can prepare (none when its backend is not registered: its pass reports that). */
function preparingComponents(o: PrepareRemotesOptions, name: string, backend: string | undefined): LoadedPlugin[] {
  try {
    const chosen = backendOf({ name, ...(backend === undefined ? {} : { backend }) }, o.config);
    return componentsFor(o.plugins, chosen).filter((p) => p.instance.prepare !== undefined);
  } catch {
    return [];
  }
}

/**
 * Asks every component serving each remote (its backend and the addons) to prepare a pass with
 * `endpoints` (ComponentInstance.prepare: a renderer renders into its cache), at most
 * config.concurrency remotes at once. Reads and writes no cluster, and decides nothing: a pass still
 * discovers, renders (finding the render done) and plans. A component that fails to prepare is passed
 * over (the real pass meets the failure and reports it); never throws. Resolves with the number of
 * (remote, component) preparations that completed.
 */
export async function prepareRemotes(o: PrepareRemotesOptions): Promise<number> {
  const done = await mapLimit(o.mesh.remotes, Math.max(1, o.config.concurrency), async (remote) => {
    const cluster = { name: remote.name, role: 'remote' as const, overrides: o.config.clusters[remote.name] ?? {} };
    const components = preparingComponents(o, remote.name, remote.annotations[BACKEND_ANNOTATION]);
    const prepared = (p: LoadedPlugin): Promise<number> =>
      Promise.resolve()
        .then(() => p.instance.prepare?.({ cluster, endpoints: o.endpoints }))
        .then(
          () => 1,
          () => 0,
        );
    const outcomes = await Promise.all(components.map(prepared));
    return outcomes.reduce((a: number, b) => a + b, 0);
  });
  return done.reduce((a, b) => a + b, 0);
}
