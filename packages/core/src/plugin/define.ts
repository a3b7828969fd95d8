import { MeshdError } from '../errors.js';
import type { ComponentInstance, Logger, MeshEndpoints, MeshInputs, PluginDefinition, PluginNeed } from './types.js';

const KNOWN_NEEDS: readonly PluginNeed[] = ['endpoints', 'helm'];
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

function definitionProblems<C>(def: PluginDefinition<C>): string[] {
  const checks: [boolean, string][] = [
    [NAME.test(def.name), `name must be lower-case letters, digits and dashes, got "${def.name}"`],
    [def.kind === 'backend' || def.kind === 'addon', `kind must be backend or addon, got "${String(def.kind)}"`],
    [typeof def.configSchema?.safeParse === 'function', 'configSchema must be a zod schema'],
    [typeof def.create === 'function' && typeof def.selectConfig === 'function', 'create and selectConfig must be functions'],
    [def.order === undefined || (def.kind === 'addon' && ['before-backend', 'after-backend'].includes(def.order)), 'order is for addons only: before-backend or after-backend'],
  ];
  const unknownNeeds = (def.needs ?? []).filter((n) => !KNOWN_NEEDS.includes(n)).map((n) => `unknown need "${String(n)}"`);
  return [...checks.filter(([ok]) => !ok).map(([, problem]) => problem), ...unknownNeeds];
}

/** Checks a plugin definition at registration time; a bad definition is a MESHD_ERR_PLUGIN. */
export function definePlugin<C>(def: PluginDefinition<C>): PluginDefinition<C> {
  const problems = definitionProblems(def);
  if (problems.length > 0) throw new MeshdError('MESHD_ERR_PLUGIN', `plugin ${def.name || '(unnamed)'}: ${problems.join('; ')}`);
  return def;
}

/** A plugin created for one run: its definition and its instance. */
export interface LoadedPlugin {
  name: string;
  kind: 'backend' | 'addon';
  order: 'before-backend' | 'after-backend';
  /** What the plugin declared it needs; core enforces it (see unmetNeedPlan). */
  needs: readonly PluginNeed[];
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
      throw new MeshdError('MESHD_ERR_INVALID_CONFIG', `plugin ${def.name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    const instance = def.create({ logger: logger.child({ plugin: def.name }), config: parsed.data, signal });
    return { name: def.name, kind: def.kind, order: def.order ?? 'after-backend', needs: def.needs, instance };
  });
}

/**
 * The endpoints of a plugin that declared `needs: ['endpoints']`: core asks such a plugin to plan
 * only once discovery has found them (unmetNeedPlan), so their absence here is a meshd bug.
 */
export function neededEndpoints(mesh: MeshInputs, plugin: string): MeshEndpoints {
  if (mesh.endpoints === undefined) throw new MeshdError('MESHD_ERR_INTERNAL', `plugin ${plugin} was asked to plan without the endpoints it needs`);
  return mesh.endpoints;
}
