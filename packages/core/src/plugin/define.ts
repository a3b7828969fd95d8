import { MeshdError } from '../errors.js';
import type { ComponentInstance, Logger, PluginDefinition, PluginNeed } from './types.js';

const KNOWN_NEEDS: readonly PluginNeed[] = ['endpoints', 'helm'];
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Checks a plugin definition at registration time; a bad definition is a MESHD_ERR_PLUGIN. */
export function definePlugin<C>(def: PluginDefinition<C>): PluginDefinition<C> {
  const problems: string[] = [];
  if (!NAME.test(def.name)) problems.push(`name must be lower-case letters, digits and dashes, got "${def.name}"`);
  if (def.kind !== 'backend' && def.kind !== 'addon') problems.push(`kind must be backend or addon, got "${String(def.kind)}"`);
  if (typeof def.configSchema?.safeParse !== 'function') problems.push('configSchema must be a zod schema');
  if (def.order !== undefined && (def.kind !== 'addon' || (def.order !== 'before-backend' && def.order !== 'after-backend'))) problems.push('order is for addons only: before-backend or after-backend');
  if (typeof def.create !== 'function' || typeof def.selectConfig !== 'function') problems.push('create and selectConfig must be functions');
  for (const need of def.needs ?? []) if (!KNOWN_NEEDS.includes(need)) problems.push(`unknown need "${String(need)}"`);
  if (problems.length > 0) throw new MeshdError('MESHD_ERR_PLUGIN', `plugin ${def.name || '(unnamed)'}: ${problems.join('; ')}`);
  return def;
}

/** A plugin created for one run: its definition and its instance. */
export interface LoadedPlugin {
  name: string;
  kind: 'backend' | 'addon';
  order: 'before-backend' | 'after-backend';
  instance: ComponentInstance;
}

/**
 * Creates every plugin with its own child logger, its validated config slice and the run's signal.
 * Names must be unique. Invalid plugin config is a terminal MESHD_ERR_INVALID_CONFIG.
 */
export function loadPlugins(defs: readonly PluginDefinition<unknown>[], config: unknown, logger: Logger, signal: AbortSignal): LoadedPlugin[] {
  const seen = new Set<string>();
  return defs.map((def) => {
    if (seen.has(def.name)) throw new MeshdError('MESHD_ERR_PLUGIN', `plugin ${def.name} is registered twice`);
    seen.add(def.name);
    const parsed = def.configSchema.safeParse(def.selectConfig(config));
    if (!parsed.success) {
      throw new MeshdError('MESHD_ERR_INVALID_CONFIG', `plugin ${def.name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { terminal: true });
    }
    const instance = def.create({ logger: logger.child({ plugin: def.name }), config: parsed.data, signal });
    return { name: def.name, kind: def.kind, order: def.order ?? 'after-backend', instance };
  });
}
