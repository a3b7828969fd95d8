import type { LoadedPlugin } from '@meshd/core';
import { builtinWatchSpecs, pluginWatchSpecs, type WatchSpec } from './watch-specs.js';

/**
 * Every watch the daemon keeps: its own (control-plane pods, discovery's input) and each registered
 * plugin's declaration (LoadedPlugin.watches: core's release watches for a renderer, the plugin's
 * own `watches`), computed with the config the plugins were loaded with. A backend's remote watches
 * are marked with its name: they run only on the remotes it installs. Pure.
 */
export function daemonWatchSpecs(plugins: readonly Pick<LoadedPlugin, 'watches' | 'name' | 'kind'>[]): WatchSpec[] {
  const declared = plugins.flatMap((p) => p.watches.map((watch) => (p.kind === 'backend' ? { watch, backend: p.name } : { watch })));
  return [...builtinWatchSpecs(), ...pluginWatchSpecs(declared)];
}
