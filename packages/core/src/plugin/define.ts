import { MeshdError } from '../errors.js';
import type {
  ComponentInstance,
  ComponentPluginDefinition,
  MeshEndpoints,
  MeshInputs,
  PluginDefinition,
  PluginNeed,
  RendererPluginDefinition,
} from './types.js';
import type { PluginWatch } from './watch.js';

const KNOWN_NEEDS: readonly PluginNeed[] = ['endpoints', 'helm'];
const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** The `order` a definition declares (only addons may). */
function orderOf<C>(def: PluginDefinition<C>): string | undefined {
  return 'order' in def ? def.order : undefined;
}

/** What is wrong with a plugin's config keys: a key that is not a zod schema, a section that refuses to be absent. */
function configKeysProblems<C>(def: PluginDefinition<C>): string[] {
  const { sections = {}, cluster = {} } = def.configKeys ?? {};
  const isSchema = (s: unknown): boolean => typeof (s as { safeParse?: unknown } | undefined)?.safeParse === 'function';
  return [
    ...Object.entries({ ...sections, ...cluster }).flatMap(([key, s]) => (isSchema(s) ? [] : [`${key} is not a zod schema`])),
    ...Object.entries(sections).flatMap(([key, s]) =>
      isSchema(s) && !s.safeParse(undefined).success ? [`section ${key} must accept being absent (its defaults)`] : [],
    ),
    ...Object.entries(cluster).flatMap(([key, s]) => (isSchema(s) && !s.safeParse(undefined).success ? [`clusters.NAME.${key} must be optional`] : [])),
  ];
}

function definitionProblems<C>(def: PluginDefinition<C>): string[] {
  const checks: [boolean, string][] = [
    [NAME.test(def.name), `name must be lower-case letters, digits and dashes, got "${def.name}"`],
    [['backend', 'addon', 'renderer'].includes(def.kind), `kind must be backend, addon or renderer, got "${String(def.kind)}"`],
    [typeof def.configSchema?.safeParse === 'function', 'configSchema must be a zod schema'],
    [typeof def.create === 'function' && typeof def.selectConfig === 'function', 'create and selectConfig must be functions'],
    [
      orderOf(def) === undefined || (def.kind === 'addon' && ['before-backend', 'after-backend'].includes(orderOf(def) ?? '')),
      'order is for addons only: before-backend or after-backend',
    ],
    [def.watches === undefined || typeof def.watches === 'function', 'watches must be a function of the config'],
    [(def.needs ?? []).includes('helm') === (typeof def.helmBinary === 'function'), "helmBinary(config) goes with needs: ['helm'], and only with it"],
    [configKeysProblems(def).length === 0, `configKeys: ${configKeysProblems(def).join(', ')}`],
  ];
  const unknownNeeds = (def.needs ?? []).filter((n) => !KNOWN_NEEDS.includes(n)).map((n) => `unknown need "${String(n)}"`);
  return [...checks.filter(([ok]) => !ok).map(([, problem]) => problem), ...unknownNeeds];
}

/** Checks a plugin definition at registration time; a bad definition is a MESHD_ERR_PLUGIN. */
export function definePlugin<C>(def: ComponentPluginDefinition<C>): ComponentPluginDefinition<C>;
/** Checks a renderer's definition at registration time; a bad definition is a MESHD_ERR_PLUGIN. */
export function definePlugin<C>(def: RendererPluginDefinition<C>): RendererPluginDefinition<C>;
/** Checks any plugin definition at registration time; a bad definition is a MESHD_ERR_PLUGIN. */
export function definePlugin<C>(def: PluginDefinition<C>): PluginDefinition<C>;
export function definePlugin<C>(def: PluginDefinition<C>): PluginDefinition<C> {
  const problems = definitionProblems(def);
  if (problems.length > 0) throw new MeshdError('MESHD_ERR_PLUGIN', `plugin ${def.name || '(unnamed)'}: ${problems.join('; ')}`);
  return def;
}

/** A plugin created for one run: its definition and its instance (a renderer's: core's release engine around it). */
export interface LoadedPlugin {
  name: string;
  /** `backend` for backends and renderers alike: exactly one runs per remote. */
  kind: 'backend' | 'addon';
  order: 'before-backend' | 'after-backend';
  /** What the plugin declared it needs; core enforces it (see unmetNeedPlan, pass/members.ts judgePrerequisites). */
  needs: readonly PluginNeed[];
  /** The helm client the plugin runs (its `helmBinary` with its config), when it needs helm. */
  helmBinary?: string;
  /** What the daemon watches for this plugin (its declaration, plus core's release watches for a renderer). */
  watches: readonly PluginWatch[];
  instance: ComponentInstance;
}

/**
 * The endpoints of a plugin that declared `needs: ['endpoints']`: core asks such a plugin to plan
 * only once discovery has found them (unmetNeedPlan), so their absence here is a meshd bug.
 */
export function neededEndpoints(mesh: MeshInputs, plugin: string): MeshEndpoints {
  if (mesh.endpoints === undefined) throw new MeshdError('MESHD_ERR_INTERNAL', `plugin ${plugin} was asked to plan without the endpoints it needs`);
  return mesh.endpoints;
}
