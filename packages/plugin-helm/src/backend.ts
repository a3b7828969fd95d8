import { ServedApiCache } from '@meshd/core/cluster';
import { definePlugin, neededEndpoints } from '@meshd/core';
import type { MeshEndpoints, PluginContext, PrepareInput, ReleaseIdentity, RenderInput, RenderedRelease, RendererInstance } from '@meshd/core';
import { helmTemplateConfigKeys, helmTemplateConfigSchema, selectHelmConfig } from './config.js';
import type { HelmTemplateConfig } from './config.js';
import { RenderCache, detectHelmStored, helmStoreIn, releaseValues, type HelmStore } from '@meshd/helm';
import type { HelmBinary, RenderRequest } from '@meshd/helm';
import { servedObjects } from './served-objects.js';

/** Name of this backend in config (`backend: helm-template`). */
export const HELM_TEMPLATE = 'helm-template';

class HelmTemplateRenderer implements RendererInstance {
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

  /** What `helm template` is asked for one cluster with these endpoints (the cache's key: chart, values, release, binary). */
  private async request(cluster: RenderInput['target'] | PrepareInput['cluster'], endpoints: MeshEndpoints, release: ReleaseIdentity): Promise<RenderRequest> {
    const { chart, values } = this.ctx.config;
    return {
      helm: await this.helmBinary(),
      chartDir: chart,
      release: release.name,
      namespace: release.namespace,
      values: releaseValues(endpoints, values, cluster),
    };
  }

  /** `helm template` of the chart with the cluster's values (cached), as the cluster can take it. */
  async render({ target, mesh, release }: RenderInput): Promise<RenderedRelease> {
    const rendered = await this.cache.render(await this.request(target, neededEndpoints(mesh, HELM_TEMPLATE), release));
    const served = await servedObjects(this.served, target, rendered.objects, this.ctx.config.compat.convertRemovedApis);
    return { objects: served.objects, notes: served.conversions, unserved: served.unserved.map((u) => u.message) };
  }

  /** Renders into the cache what render() will ask for with these endpoints (the next Pilot move's); bounded by the cache. */
  async prepare({ cluster, endpoints, release }: PrepareInput & { release: ReleaseIdentity }): Promise<void> {
    const outcome = await this.cache.prepare(await this.request(cluster, endpoints, release));
    this.ctx.logger.debug({ cluster: cluster.name, outcome }, 'render prepared for a coming endpoint change');
  }
}

/**
 * The helm-template backend, a renderer: renders istio-remote with the helm binary (once per
 * distinct chart and values); core's release engine server-side applies it, keeping an inventory in
 * the remote cluster, and prunes and uninstalls it.
 */
export const helmTemplatePlugin = definePlugin<HelmTemplateConfig>({
  name: HELM_TEMPLATE,
  kind: 'renderer',
  configKeys: helmTemplateConfigKeys,
  configSchema: helmTemplateConfigSchema,
  selectConfig: selectHelmConfig,
  needs: ['endpoints', 'helm'],
  helmBinary: (config) => config.helmBinary,
  create: (ctx) => new HelmTemplateRenderer(ctx),
});
