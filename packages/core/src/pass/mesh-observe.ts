// The mesh-wide observe phase: what every remote's component would read alike on the control plane
// (the secrets addon's sources) is read once per pass, by the plugin's `observeMesh`, and handed to
// each remote's observe as `mesh.observed`. Core decides when it runs and who shares it; the plugin
// only reads.
//
// What "once" means:
// - a one-shot pass (the CLI: `startedAt` undefined) covers every remote: one read per plugin;
// - the daemon's keys are passes of one remote each: a key joins a read of the same control plane,
//   plugin instance and mesh that another key started after this key's own pass began
//   (util/in-flight.ts, the rule Pilot's flags and the probes follow), so the keys of one round (a
//   rotation, a Pilot move, a resync) share one read, and an answer older than the event that
//   enqueued a key is never used: a rotation reaches every remote. Nothing is kept once a read
//   settles. The daemon's watch cache is not used for it: it keeps only the fields its filters
//   compare, never a secret's data.
import { canonicalJson } from '../plan/hash.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { ClusterTarget, ComponentInstance, MeshTarget } from '../plugin/types.js';
import { InFlightReads } from '../util/in-flight.js';
import type { SharedReadRequest } from '../util/in-flight.js';
import type { PassConfig } from './types.js';

/** Reads in flight per plugin instance (held weakly): the daemon's keys join them. */
const sharedReads = new WeakMap<ComponentInstance, InFlightReads<unknown>>();

function readsOf(instance: ComponentInstance): InFlightReads<unknown> {
  const reads = sharedReads.get(instance) ?? new InFlightReads<unknown>();
  sharedReads.set(instance, reads);
  return reads;
}

/** Pure: the mesh a mesh-wide observe reads: the control plane, and every remote of the desired mesh with its `clusters.NAME` settings. */
export function meshTargetOf(controlPlane: ClusterTarget, remotes: readonly { name: string }[], clusters: PassConfig['clusters']): MeshTarget {
  return { controlPlane, remotes: remotes.map((r) => ({ name: r.name, overrides: clusters[r.name] ?? {} })) };
}

/**
 * Each plugin's mesh-wide observation for one pass: started at most once (by `start`, or by the first
 * component that asks), then handed to every remote's observe. A failed one stays failed for the
 * pass: each component that asks for it fails with its code. Owns no state beyond the pass.
 */
export class MeshObservations {
  private readonly started = new Map<string, Promise<unknown>>();

  constructor(
    private readonly plugins: readonly LoadedPlugin[],
    private readonly target: MeshTarget,
    private readonly request: SharedReadRequest = {},
  ) {}

  /** Starts every plugin's mesh-wide observe that has not started (the pass calls it once it has remotes to act on). */
  start(): void {
    for (const plugin of this.plugins) void this.of(plugin);
  }

  /** The plugin's observation for this pass, started on first use; undefined for a plugin without observeMesh. */
  of(plugin: Pick<LoadedPlugin, 'name' | 'instance'>): Promise<unknown> | undefined {
    const observeMesh = plugin.instance.observeMesh?.bind(plugin.instance);
    if (observeMesh === undefined) return undefined;
    const running = this.started.get(plugin.name);
    if (running !== undefined) return running;
    const { since, signal } = this.request;
    const reading =
      since === undefined
        ? observeMesh(this.target, signal)
        : readsOf(plugin.instance).get(this.target.controlPlane.client, canonicalJson(this.target.remotes), this.request, () => observeMesh(this.target));
    reading.catch(() => undefined); // reported by each component that asks for it, not as an unhandled rejection
    this.started.set(plugin.name, reading);
    return reading;
  }
}
