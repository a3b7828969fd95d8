import { ServedApiCache } from '@meshd/core/cluster';
import { contentHash } from '@meshd/core/plan';
import { definePlugin, neededEndpoints } from '@meshd/core';
import { observeRelease, planRelease, planUninstall, releaseComponentPlan, releaseJournals } from '@meshd/core/release';
import type { ClusterTarget, ComponentInstance, ComponentPlan, MeshInputs, PluginContext } from '@meshd/core';
import type { KubeObject } from '@meshd/core/kube';
import { helmTemplateConfigSchema, selectHelmConfig } from './config.js';
import type { HelmTemplateConfig } from './config.js';
import { RenderCache, detectHelmStored, helmStoreIn, releaseValues, type HelmStore } from '@meshd/helm';
import type { HelmBinary } from '@meshd/helm';
import { servedObjects } from './served-objects.js';
import type { ServedObjects } from './served-objects.js';

/** Name of this backend in config (`backend: helm-template`). */
export const HELM_TEMPLATE = 'helm-template';

function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

class HelmTemplateBackend implements ComponentInstance {
  private readonly cache: RenderCache;
  /** What each cluster serves (discovery), kept for the daemon's life and refreshed on a server version change. */
  private readonly served = new ServedApiCache();
  private helm: Promise<HelmBinary> | undefined;
  /** helm's answers kept between processes (the state directory's helm-cache/). */
  private readonly store: HelmStore | undefined;

  constructor(private readonly ctx: PluginContext<HelmTemplateConfig>) {
    this.store = helmStoreIn(ctx.config.stateDirectory);
    this.cache = new RenderCache({ signal: ctx.signal, ...(this.store ? { store: this.store } : {}) });
  }

  private helmBinary(): Promise<HelmBinary> {
    const binary = this.ctx.config.helmBinary;
    this.helm ??= detectHelmStored(this.store, binary, this.ctx.signal).then((v) => ({ binary, major: v.major }));
    this.helm.catch(() => (this.helm = undefined));
    return this.helm;
  }

  async plan(target: ClusterTarget, mesh: MeshInputs): Promise<ComponentPlan> {
    const { chart, release, values } = this.ctx.config;
    const resolved = releaseValues(neededEndpoints(mesh, HELM_TEMPLATE), values, target);
    const rendered = await this.cache.render({ helm: await this.helmBinary(), chartDir: chart, release: release.name, namespace: release.namespace, values: resolved });
    const ensure = [namespaceObject(release.namespace)];
    const served = await servedObjects(this.served, target, rendered.objects, this.ctx.config.compat.convertRemovedApis);
    const desired = served.objects;
    const { journals, ...observed } = await observeRelease(target.client, release, { desired, ensure, journals: releaseJournals(target.journal, release.name) });
    const desiredHash = contentHash(desired);
    const plan = planRelease({ ...observed, release: release.name, namespace: release.namespace, desired, desiredHash, ensure, adopt: mesh.adopt, prune: mesh.prune });
    this.warn(target.name, plan.warnings);
    return withServedFindings(releaseComponentPlan(HELM_TEMPLATE, target.client, plan, journals), served);
  }

  async planRemoval(target: ClusterTarget): Promise<ComponentPlan> {
    const { release } = this.ctx.config;
    const { journals, ...observed } = await observeRelease(target.client, release, { desired: [], ensure: [], journals: releaseJournals(target.journal, release.name) });
    const plan = planUninstall(release, observed);
    this.warn(target.name, plan.warnings);
    return releaseComponentPlan(HELM_TEMPLATE, target.client, plan, journals);
  }

  private warn(cluster: string, warnings: readonly string[]): void {
    for (const w of warnings) this.ctx.logger.warn({ cluster, code: 'MESHD_ERR_INVENTORY_TAMPERED' }, w);
  }
}

/** The component plan with the objects the cluster cannot serve as its (terminal) error and each conversion as a note. */
function withServedFindings(plan: ComponentPlan, served: ServedObjects): ComponentPlan {
  if (served.conversions.length > 0) plan.notes = served.conversions;
  if (served.unserved.length === 0 || plan.error !== undefined) return plan;
  plan.error = served.unserved.map((u) => u.message).join('; ');
  plan.errorCode = 'MESHD_ERR_UNSERVED_API';
  return plan;
}

/**
 * The helm-template backend: renders istio-remote with the helm binary (once per distinct chart and
 * values) and server-side applies it, keeping an inventory in the remote cluster.
 */
export const helmTemplatePlugin = definePlugin<HelmTemplateConfig>({
  name: HELM_TEMPLATE,
  kind: 'backend',
  configSchema: helmTemplateConfigSchema,
  selectConfig: selectHelmConfig,
  needs: ['endpoints', 'helm'],
  create: (ctx) => new HelmTemplateBackend(ctx),
});
