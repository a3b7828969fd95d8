import type * as z from 'zod';
import { MeshdError } from '../errors.js';

/**
 * The meshd.yaml keys one plugin owns, each a zod schema carrying its own defaults and messages
 * (build fields from config/fields.ts to read like core's). Core composes meshd.yaml's schema from
 * every registered plugin's keys, so a mistake in them is reported as `FILE:LINE:COL: error: FIELD
 * must be ...` like any other; nobody but the plugin reads them (through its selectConfig).
 */
export interface PluginConfigKeys {
  /**
   * Top-level sections (`tiller:`). Each must accept an absent section (`.prefault({})`): that is
   * its defaults, also what a config composed without this plugin gets when the plugin loads.
   */
  sections?: Readonly<Record<string, z.ZodType>>;
  /** Keys under `clusters.NAME` (`tillerHost`), each optional: the plugin reads them from ClusterTarget.overrides. */
  cluster?: Readonly<Record<string, z.ZodType>>;
}

/** What meshd.yaml's schema needs of a registered plugin: its name, its kind and the keys it owns. */
export interface ConfigPlugin {
  name: string;
  kind: string;
  configKeys?: PluginConfigKeys | undefined;
}

/**
 * The names `backend:` may take: every registered backend and renderer, in registration order.
 * Undefined when none is registered (any plugin name then passes; the pass refuses an unregistered one).
 */
export function backendNames(plugins: readonly Pick<ConfigPlugin, 'name' | 'kind'>[]): [string, ...string[]] | undefined {
  const names = plugins.filter((d) => d.kind !== 'addon').map((d) => d.name);
  const [first, ...rest] = names;
  return first === undefined ? undefined : [first, ...rest];
}

/** Every plugin's keys of one kind (sections or per-cluster keys), refusing a key core owns or two plugins claim (MESHD_ERR_PLUGIN). */
export function ownedKeys(plugins: readonly ConfigPlugin[], which: keyof PluginConfigKeys, coreKeys: readonly string[]): Record<string, z.ZodType> {
  const owners = new Map<string, string>();
  const keys: Record<string, z.ZodType> = {};
  for (const plugin of plugins) {
    for (const [key, schema] of Object.entries(plugin.configKeys?.[which] ?? {})) {
      const owner = coreKeys.includes(key) ? 'core' : owners.get(key);
      const where = which === 'cluster' ? `clusters.NAME.${key}` : key;
      if (owner !== undefined) throw new MeshdError('MESHD_ERR_PLUGIN', `plugin ${plugin.name}: meshd.yaml key ${where} is already ${owner}'s`);
      owners.set(key, plugin.name);
      keys[key] = schema;
    }
  }
  return keys;
}
