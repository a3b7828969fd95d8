import { contentHash } from '../plan/hash.js';
import type { KubeObject } from '../kube/object.js';
import type {
  ClusterTarget,
  ComponentInstance,
  ComponentPlan,
  Logger,
  MeshInputs,
  PrepareInput,
  ReleaseIdentity,
  RenderedRelease,
  RendererInstance,
} from '../plugin/types.js';
import { releaseComponentPlan } from './component.js';
import { observeRelease, releaseJournals } from './observe.js';
import { planRelease, planUninstall } from './plan.js';

/** The release namespace, a prerequisite of every release: created when absent, never deleted. */
function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** The component plan with what rendering found: each note, and the objects left out as its (terminal) error. */
function withRenderFindings(plan: ComponentPlan, rendered: RenderedRelease): ComponentPlan {
  if (rendered.notes !== undefined && rendered.notes.length > 0) plan.notes = [...rendered.notes];
  const unserved = rendered.unserved ?? [];
  if (unserved.length === 0 || plan.error !== undefined) return plan;
  plan.error = unserved.join('; ');
  plan.errorCode = 'MESHD_ERR_UNSERVED_API';
  return plan;
}

/** What core's release engine needs to drive one renderer. */
export interface RendererBackendOptions {
  /** The plugin's name: the component name in plans and reports. */
  name: string;
  renderer: RendererInstance;
  release: ReleaseIdentity;
  logger: Logger;
}

/**
 * Core's release engine around a renderer: the renderer only turns (cluster, endpoints, values)
 * into objects; core observes the release (inventory, journal, live objects), plans it (install,
 * upgrade, repair, prune: planRelease), and the plan's apply server-side applies it with the
 * crash-safe inventory. Removal renders nothing: core uninstalls what the journal and inventory hold.
 * A renderer that can prepare (render ahead, into its cache) is prepared through the same instance.
 */
export function rendererBackend(o: RendererBackendOptions): ComponentInstance {
  const { name, renderer, release, logger } = o;
  const warn = (cluster: string, warnings: readonly string[]): void => {
    for (const w of warnings) logger.warn({ cluster, code: 'MESHD_ERR_INVENTORY_TAMPERED' }, w);
  };
  const instance: ComponentInstance = {
    async plan(target: ClusterTarget, mesh: MeshInputs): Promise<ComponentPlan> {
      const rendered = await renderer.render({ target, mesh, release });
      const desired = rendered.objects;
      const ensure = [namespaceObject(release.namespace)];
      const { journals, ...observed } = await observeRelease(target.client, release, {
        desired,
        ensure,
        journals: releaseJournals(target.journal, release.name),
      });
      const plan = planRelease({
        ...observed,
        release: release.name,
        namespace: release.namespace,
        desired,
        desiredHash: contentHash(desired),
        ensure,
        adopt: mesh.adopt,
        prune: mesh.prune,
      });
      warn(target.name, plan.warnings);
      return withRenderFindings(releaseComponentPlan(name, target.client, plan, journals), rendered);
    },
    async planRemoval(target: ClusterTarget): Promise<ComponentPlan> {
      const { journals, ...observed } = await observeRelease(target.client, release, {
        desired: [],
        ensure: [],
        journals: releaseJournals(target.journal, release.name),
      });
      const plan = planUninstall(release, observed);
      warn(target.name, plan.warnings);
      return releaseComponentPlan(name, target.client, plan, journals);
    },
  };
  const prepare = renderer.prepare?.bind(renderer);
  if (prepare) instance.prepare = (input: PrepareInput): Promise<void> => prepare({ ...input, release });
  return instance;
}
