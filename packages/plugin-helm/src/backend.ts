import { ServedApiCache } from '@meshd/core/cluster';
import { definePlugin, neededEndpoints } from '@meshd/core';
import type { MeshEndpoints, PluginContext, PrepareInput, ReleaseIdentity, RenderInput, RenderedRelease, RendererInstance } from '@meshd/core';
import { helmTemplateConfigKeys, helmTemplateConfigSchema, selectHelmConfig } from './config.js';
import type { HelmTemplateConfig } from './config.js';
import { EndpointShortcut, RenderCache, chartDigest, detectHelmStored, helmStoreIn, releaseValues, type HelmStore, type ShortcutInput } from '@meshd/helm';
import type { HelmBinary, RenderRequest } from '@meshd/helm';
import { servedObjects } from './served-objects.js';

/** Name of this backend in config (`backend: helm-template`). */
export const HELM_TEMPLATE = 'helm-template';

/** What the renderer reads once per pass (observeMesh): the chart directory's digest. */
interface ChartRead {
  chartDigest: string;
}

/** The digest observeMesh read, when `observed` is that read (undefined: the render reads the chart itself). */
function chartDigestOf(observed: unknown): string | undefined {
  const digest = (observed as Partial<ChartRead> | undefined)?.chartDigest;
  return typeof digest === 'string' ? digest : undefined;
}

class HelmTemplateRenderer implements RendererInstance {
  private readonly cache: RenderCache;
  /** What each cluster serves (discovery), kept for the daemon's life and refreshed on a server version change. */
  private readonly served = new ServedApiCache();
  private helm: Promise<HelmBinary> | undefined;
  /** helm's answers kept between processes (the state directory's helm-cache/). */
  private readonly store: HelmStore | undefined;

  /**
   * Renders of an endpoint move by substitution (EndpointShortcut), checked by helm in the
   * background; only where a wrong render can be applied again (the daemon's requeue).
   */
  private readonly shortcut: EndpointShortcut | undefined;

  constructor(private readonly ctx: PluginContext<HelmTemplateConfig>) {
    this.store = helmStoreIn(ctx.config.stateDirectory);
    this.cache = new RenderCache({ signal: ctx.signal, ...(this.store ? { store: this.store } : {}) });
    const requeue = ctx.requeue;
    this.shortcut = requeue
      ? new EndpointShortcut({ cache: this.cache, logger: ctx.logger, signal: ctx.signal, onMismatch: () => requeue('render-shortcut-mismatch') })
      : undefined;
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

  /** What the shortcut is asked: the request and how its values follow from the endpoints. */
  private async shortcutInput(
    cluster: RenderInput['target'] | PrepareInput['cluster'],
    endpoints: MeshEndpoints,
    release: ReleaseIdentity,
  ): Promise<ShortcutInput> {
    const request = await this.request(cluster, endpoints, release);
    return { request, endpoints, valuesOf: (e) => releaseValues(e, this.ctx.config.values, cluster) };
  }

  /**
   * Reads the chart directory once for the pass (its digest, which names every render of it): a
   * 1 000-cluster pass read it once per cluster, about 4 % of its time. An edit of the chart is seen
   * by the next pass (the daemon: the next round of keys), as a changed config is.
   */
  async observeMesh(): Promise<ChartRead> {
    return { chartDigest: await chartDigest(this.ctx.config.chart) };
  }

  /** `helm template` of the chart with the cluster's values (cached, or substituted on a move), as the cluster can take it. */
  async render({ target, mesh, release }: RenderInput): Promise<RenderedRelease> {
    const input = { ...(await this.shortcutInput(target, neededEndpoints(mesh, HELM_TEMPLATE), release)), chartDigest: chartDigestOf(mesh.observed) };
    const rendered = await (this.shortcut
      ? this.shortcut.render(input)
      : this.cache.render(input.request, await this.cache.identify(input.request, input.chartDigest)));
    const served = await servedObjects(this.served, target, rendered.objects, this.ctx.config.compat.convertRemovedApis);
    return { objects: served.objects, notes: served.conversions, unserved: served.unserved.map((u) => u.message) };
  }

  /** Renders into the cache what render() will ask for with these endpoints (the next Pilot move's); bounded by the cache. */
  async prepare({ cluster, endpoints, release }: PrepareInput & { release: ReleaseIdentity }): Promise<void> {
    const input = await this.shortcutInput(cluster, endpoints, release);
    const outcome = await (this.shortcut ? this.shortcut.prepare(input) : this.cache.prepare(input.request));
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
