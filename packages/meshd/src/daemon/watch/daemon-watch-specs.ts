import type { LoadedPlugin } from '@meshd/core';
import { builtinWatchSpecs, pluginWatchSpecs, type WatchSpec } from './watch-specs.js';

/**
 * Every watch the daemon keeps: its own (control-plane pods, discovery's input) and each registered
 * plugin's declaration (LoadedPlugin.watches: core's release watches for a renderer, the plugin's
 * own `watches`), computed with the config the plugins were loaded with. Pure.
 */
export function daemonWatchSpecs(plugins: readonly Pick<LoadedPlugin, 'watches'>[]): WatchSpec[] {
  return [...builtinWatchSpecs(), ...pluginWatchSpecs(plugins.flatMap((p) => p.watches))];
}
