import {
  contentHash,
  definePlugin,
  inventoryRef,
  parseInventory,
  planRelease,
  planUninstall,
  readObject,
  readObjects,
  refsToObserve,
  releaseComponentPlan,
} from '@meshd/core';
import type { ClusterTarget, ComponentInstance, ComponentPlan, KubeObject, MeshInputs, PluginContext } from '@meshd/core';
import { helmTemplateConfigSchema, selectHelmConfig } from './config.js';
import type { HelmTemplateConfig } from './config.js';
import { RenderCache, detectHelmShared } from './render/index.js';
import { noEndpointsPlan, releaseValues } from './release-values.js';
import type { HelmBinary } from './render/index.js';

/** Name of this backend in config (`backend: helm-template`). */
export const HELM_TEMPLATE = 'helm-template';

function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

class HelmTemplateBackend implements ComponentInstance {
  private readonly cache: RenderCache;
  private helm: Promise<HelmBinary> | undefined;

  constructor(private readonly ctx: PluginContext<HelmTemplateConfig>) {
    this.cache = new RenderCache({ signal: ctx.signal });
  }

  private helmBinary(): Promise<HelmBinary> {
    const binary = this.ctx.config.helmBinary;
    this.helm ??= detectHelmShared(binary, this.ctx.signal).then((v) => ({ binary, major: v.major }));
    this.helm.catch(() => (this.helm = undefined));
    return this.helm;
  }

  async plan(target: ClusterTarget, mesh: MeshInputs): Promise<ComponentPlan> {
    if (!mesh.endpoints) return noEndpointsPlan(HELM_TEMPLATE, target);
    const { chart, release, values } = this.ctx.config;
    const resolved = releaseValues(mesh.endpoints, values, target);
    const rendered = await this.cache.render({ helm: await this.helmBinary(), chartDir: chart, release: release.name, namespace: release.namespace, values: resolved });
    const ensure = [namespaceObject(release.namespace)];
    const inventory = parseInventory(await readObject(target.client, inventoryRef(release.name, release.namespace)));
    const live = await readObjects(target.client, refsToObserve(rendered.objects, ensure, inventory));
    const desiredHash = contentHash(rendered.objects);
    const plan = planRelease({ release: release.name, namespace: release.namespace, desired: rendered.objects, desiredHash, ensure, inventory, live, adopt: mesh.adopt, prune: mesh.prune });
    return releaseComponentPlan(HELM_TEMPLATE, target.client, plan);
  }

  async planRemoval(target: ClusterTarget): Promise<ComponentPlan> {
    const { release } = this.ctx.config;
    const inventory = parseInventory(await readObject(target.client, inventoryRef(release.name, release.namespace)));
    const live = await readObjects(target.client, inventory?.objects ?? []);
    return releaseComponentPlan(HELM_TEMPLATE, target.client, planUninstall(release.name, release.namespace, inventory, live));
  }
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
