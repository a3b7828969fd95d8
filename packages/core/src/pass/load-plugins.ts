import { MeshdError } from '../errors.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { Logger, PluginDefinition, PluginHost, ReleaseIdentity } from '../plugin/types.js';
import { rendererBackend } from '../release/engine.js';
import { releaseWatches } from '../release/watches.js';
import type { PluginWatch } from '../plugin/watch.js';

/** Core's own `release:` keys (name and namespace of istio-remote), defaults as in meshd.yaml. */
function releaseOf(config: unknown): ReleaseIdentity {
  const release = (config !== null && typeof config === 'object' ? (config as { release?: Partial<ReleaseIdentity> }).release : undefined) ?? {};
  return { name: release.name ?? 'istio-remote', namespace: release.namespace ?? 'istio-system' };
}

/**
 * The config with the plugin's sections that it lacks filled with their defaults (a config composed
 * without this plugin's keys: a library caller, a test); the sections it has are already validated.
 */
function withSectionDefaults<C>(def: PluginDefinition<C>, config: unknown): unknown {
  const whole = config !== null && typeof config === 'object' ? (config as Record<string, unknown>) : {};
  const missing = Object.entries(def.configKeys?.sections ?? {}).filter(([key]) => whole[key] === undefined);
  if (missing.length === 0) return config;
  return { ...whole, ...Object.fromEntries(missing.map(([key, schema]) => [key, schema.parse(undefined)])) };
}

/** The plugin's validated config slice; invalid plugin config is a terminal MESHD_ERR_INVALID_CONFIG. */
function configOf<C>(def: PluginDefinition<C>, config: unknown): C {
  const parsed = def.configSchema.safeParse(def.selectConfig(withSectionDefaults(def, config)));
  if (!parsed.success) {
    throw new MeshdError('MESHD_ERR_INVALID_CONFIG', `plugin ${def.name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** meshd.yaml's `clusters:` (per-cluster overrides, a plugin's per-cluster keys among them). */
function clustersOf(config: unknown): Readonly<Record<string, Readonly<Record<string, unknown>>>> {
  const clusters = config !== null && typeof config === 'object' ? (config as { clusters?: unknown }).clusters : undefined;
  return clusters !== null && typeof clusters === 'object' ? (clusters as Record<string, Record<string, unknown>>) : {};
}

/** What the daemon watches for a plugin: core's release watches for a renderer, then the plugin's own declaration. */
function watchesOf<C>(def: PluginDefinition<C>, config: C, whole: unknown): PluginWatch[] {
  const release = releaseOf(whole);
  const own = def.watches?.(config, { release, clusters: clustersOf(whole) }) ?? [];
  return [...(def.kind === 'renderer' ? releaseWatches(release) : []), ...own];
}

/** Creates one plugin; a renderer is wrapped in core's release engine (rendererBackend). */
function loadPlugin(def: PluginDefinition<unknown>, config: unknown, logger: Logger, host: PluginHost): LoadedPlugin {
  const { signal, requeue } = host;
  const ctx = {
    logger: logger.child({ plugin: def.name }),
    config: configOf(def, config),
    signal,
    ...(requeue ? { requeue: (reason: string) => requeue(def.name, reason) } : {}),
  };
  const helm = def.needs.includes('helm') && def.helmBinary ? { helmBinary: def.helmBinary(ctx.config) } : {};
  const watches = watchesOf(def, ctx.config, config);
  if (def.kind === 'renderer') {
    const instance = rendererBackend({ name: def.name, renderer: def.create(ctx), release: releaseOf(config), logger: ctx.logger });
    return { name: def.name, kind: 'backend', order: 'after-backend', needs: def.needs, ...helm, watches, instance };
  }
  return { name: def.name, kind: def.kind, order: def.order ?? 'after-backend', needs: def.needs, ...helm, watches, instance: def.create(ctx) };
}

/**
 * Creates every plugin with its own child logger, its validated config slice and the run's signal
 * (`host`: a signal, or the signal and the daemon's requeue). Names must be unique. Invalid plugin
 * config is a terminal MESHD_ERR_INVALID_CONFIG.
 */
export function loadPlugins(defs: readonly PluginDefinition<unknown>[], config: unknown, logger: Logger, host: AbortSignal | PluginHost): LoadedPlugin[] {
  const seen = new Set<string>();
  const hostOf: PluginHost = host instanceof AbortSignal ? { signal: host } : host;
  return defs.map((def) => {
    if (seen.has(def.name)) throw new MeshdError('MESHD_ERR_PLUGIN', `plugin ${def.name} is registered twice`);
    seen.add(def.name);
    return loadPlugin(def, config, logger, hostOf);
  });
}

/**
 * The config slice of a plugin under meshd.yaml's `plugins: { NAME: {...} }` (core passes it through
 * unvalidated; the plugin's own schema validates it). Undefined when the file sets none.
 */
export function pluginSection(config: unknown, name: string): unknown {
  const plugins = config !== null && typeof config === 'object' ? (config as { plugins?: unknown }).plugins : undefined;
  return plugins !== null && typeof plugins === 'object' ? (plugins as Record<string, unknown>)[name] : undefined;
}
