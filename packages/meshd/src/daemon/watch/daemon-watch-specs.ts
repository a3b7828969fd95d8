import type { MeshdConfig } from '@meshd/core';
import { SECRETS, secretsConfigSchema, secretWatchSources, selectSecretsConfig } from '@meshd/plugin-secrets';
import { builtinWatchSpecs, secretWatchSpecs, type WatchSpec } from './watch-specs.js';

/**
 * Every watch the daemon keeps for a config: its own (control-plane pods, meshd's objects and the
 * release inventory on remotes) and, when the secrets plugin runs, the plugin's sources. Pure.
 */
export function daemonWatchSpecs(config: MeshdConfig, pluginNames: readonly string[]): WatchSpec[] {
  const specs = builtinWatchSpecs(config.release.namespace, config.release.name);
  if (!pluginNames.includes(SECRETS)) return specs;
  const parsed = secretsConfigSchema.safeParse(selectSecretsConfig(config));
  if (!parsed.success) return specs;
  return [...specs, ...secretWatchSpecs(secretWatchSources(parsed.data, config.clusters))];
}
