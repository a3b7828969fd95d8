import { ServedApiCache } from '@meshd/core/cluster';
import { contentHash } from '@meshd/core/plan';
import { definePlugin, MeshdError, neededEndpoints } from '@meshd/core';
import type { PluginWatch } from '@meshd/core';
import { readObjects, refOf } from '@meshd/core/kube';
import type { ClusterTarget, ComponentInstance, DesiredInputs, MeshEndpoints, MeshInputs, PluginContext, ReadScope } from '@meshd/core';
import { RenderCache, detectHelmShared, helmVersionAtLeast, releaseValues } from '@meshd/helm';
import type { HelmVersion } from '@meshd/helm';
import { planTiller, planTillerRemovalOf, TILLER, tillerReads } from './component.js';
import type { TillerComponentPlan, TillerObserved, TillerRemovalObserved, TillerWork } from './component.js';
import { selectTillerConfig, tillerConfigKeys, tillerConfigSchema, tillerLocation } from './config.js';
import type { TillerConfig } from './config.js';
import type { TillerLocation } from './helm2/location.js';
import { executeTillerPlan } from './execute.js';
import { markedValues } from './helm2/parse.js';
import { withTillerSession } from './helm2/session.js';
import type { TillerSession, TillerSessionOptions } from './helm2/session.js';
import { observeTillerRelease } from './observe.js';
import { observePrerequisites } from './prerequisites.js';

/**
 * The tiller backend's phases: observe renders with Helm 2 (cached per values) and reads the release
 * through Tiller, the rendered objects and the prerequisites; plan is pure (component.ts); apply runs
 * the plan's steps through Tiller. It owns only its caches (renders, discovery, the helm version).
 */
class TillerBackend implements ComponentInstance<TillerObserved, TillerWork | undefined, TillerRemovalObserved> {
  private readonly cache: RenderCache;
  /** What each cluster serves (discovery), refreshed on a server version change. */
  private readonly served = new ServedApiCache();
  private helm: Promise<HelmVersion> | undefined;

  constructor(private readonly ctx: PluginContext<TillerConfig>) {
    this.cache = new RenderCache({ signal: ctx.signal });
  }

  async observe(target: ClusterTarget, mesh: MeshInputs): Promise<TillerObserved> {
    const endpoints = neededEndpoints(mesh, TILLER);
    const location = tillerLocation(target.overrides, this.ctx.config);
    const observed = await withTillerSession(this.sessionOptions(target, location), (session) => this.observeRelease(session, target, endpoints));
    const served = await this.served.check(target.client, target.version ?? '', observed.input.desired);
    return { ...observed, served, tillerNamespace: location.namespace };
  }

  reads(observed: TillerObserved): ReadScope | undefined {
    return tillerReads(observed);
  }

  plan(desired: DesiredInputs, observed: TillerObserved): TillerComponentPlan {
    return planTiller(this.ctx.config, desired, observed);
  }

  async observeRemoval(target: ClusterTarget): Promise<TillerRemovalObserved> {
    const location = tillerLocation(target.overrides, this.ctx.config);
    const release = this.ctx.config.release.name;
    return { observation: await withTillerSession(this.sessionOptions(target, location), (session) => observeTillerRelease(session, release)) };
  }

  planRemoval(desired: DesiredInputs, observed: TillerRemovalObserved): TillerComponentPlan {
    return planTillerRemovalOf(this.ctx.config, desired, observed);
  }

  /** Runs the plan's steps through the remote's Tiller; a plan without steps (in sync, blocked) runs nothing. */
  apply(plan: TillerComponentPlan, target: ClusterTarget, signal?: AbortSignal): Promise<number> {
    const work = plan.work;
    if (!work || work.plan.steps.length === 0) return Promise.resolve(0);
    return this.execute(target, work, signal);
  }

  /** Renders with Helm 2 (cached per values), then reads Tiller, the rendered objects and the prerequisites. */
  private async observeRelease(session: TillerSession, target: ClusterTarget, endpoints: MeshEndpoints): Promise<Omit<TillerObserved, 'served'>> {
    const { chart, release, values, ensure, helmBinary } = this.ctx.config;
    await this.requireHelm2(session.env);
    const resolved = releaseValues(endpoints, values, target);
    const helm = { binary: helmBinary, major: 2 as const, env: session.env };
    const rendered = await this.cache.render({ helm, chartDir: chart, release: release.name, namespace: release.namespace, values: resolved });
    const desiredHash = contentHash({ objects: rendered.objects, values: resolved });
    const [observation, live, prerequisites] = await Promise.all([
      observeTillerRelease(session, release.name),
      readObjects(target.client, rendered.objects.map(refOf)),
      ensure ? observePrerequisites(target.client, session.options.location) : undefined,
    ]);
    const input = {
      cluster: target.name,
      release: release.name,
      namespace: release.namespace,
      desiredHash,
      desired: rendered.objects,
      live,
      observation,
      prerequisites,
    };
    return { input, values: markedValues(resolved, desiredHash) };
  }

  private execute(target: ClusterTarget, { location, plan, values }: TillerWork, signal?: AbortSignal): Promise<number> {
    const options = { ...this.sessionOptions(target, location), signal: signal ?? this.ctx.signal };
    return withTillerSession(options, async (session) => {
      const writes = await executeTillerPlan(
        { session, client: target.client, chartDir: this.ctx.config.chart, values, timeoutMs: this.ctx.config.timeoutMs },
        plan,
      );
      this.ctx.logger.info({ cluster: target.name, release: plan.release, steps: plan.steps.map((s) => s.op), writes }, 'tiller release applied');
      return writes;
    });
  }

  private sessionOptions(target: ClusterTarget, location: TillerLocation): TillerSessionOptions {
    const { helmBinary, connectTimeoutMs, timeoutMs } = this.ctx.config;
    return { helmBinary, client: target.client, location, connectTimeoutMs, timeoutMs, signal: this.ctx.signal };
  }

  /** Checks once (per plugin instance) that the configured client is Helm 2 ≥ 2.7.2. */
  private async requireHelm2(env: NodeJS.ProcessEnv): Promise<void> {
    const binary = this.ctx.config.helmBinary;
    this.helm ??= detectHelmShared(binary, this.ctx.signal, { env });
    this.helm.catch(() => (this.helm = undefined));
    const { major, version } = await this.helm;
    if (major !== 2 || !helmVersionAtLeast(version)) {
      throw new MeshdError(
        'MESHD_ERR_HELM_UNUSABLE',
        `tiller.helmBinary ${binary} is Helm ${version}: the tiller backend needs a Helm 2 client, 2.7.2 or newer`,
      );
    }
  }
}

/**
 * The tiller backend: renders istio-remote with Helm 2 (to know the desired objects and their hash),
 * observes the release through the remote's Tiller (`tillerHost`, or helm's port-forward), and
 * installs, upgrades, repairs, rolls back or purges it through Tiller. The release records meshd's
 * hash in its values (`meshd.hash`); Tiller, not meshd, owns the release record.
 */
/**
 * What the daemon watches on each remote for a Tiller release: the Services and Endpoints of the
 * release namespace that Tiller installed (the chart labels them heritage=Tiller, not meshd's
 * label); someone else's edit or a deletion enqueues that remote. Pure.
 */
export function tillerWatches(namespace: string): PluginWatch[] {
  return (
    [
      ['Service', 'services'],
      ['Endpoints', 'endpoints'],
    ] as const
  ).map(([kind, plural]) => ({
    on: 'each-remote',
    apiVersion: 'v1',
    kind,
    plural,
    namespace,
    labelSelector: 'heritage=Tiller',
    events: 'drift',
    enqueue: 'this-remote',
    purpose: `drift of meshd's ${kind} objects (installed through Tiller)`,
  }));
}

export const tillerPlugin = definePlugin<TillerConfig>({
  name: TILLER,
  kind: 'backend',
  configKeys: tillerConfigKeys,
  configSchema: tillerConfigSchema,
  selectConfig: selectTillerConfig,
  needs: ['endpoints', 'helm'],
  helmBinary: (config) => config.helmBinary,
  watches: (_config, { release }) => tillerWatches(release.namespace),
  create: (ctx) => new TillerBackend(ctx),
});
