import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin } from './define.js';
import { backendNames } from '../config/plugin-keys.js';
import { loadPlugins, pluginSection } from '../pass/load-plugins.js';
import type { ComponentInstance, Logger, PluginDefinition } from './types.js';

const unused = (): never => {
  throw new Error('unused');
};
const instance: ComponentInstance = { observe: unused, plan: unused, observeRemoval: unused, planRemoval: unused, apply: unused };
const valid: PluginDefinition<{ n: number }> = {
  name: 'demo',
  kind: 'addon',
  configSchema: z.object({ n: z.number() }),
  selectConfig: (c) => (c as { demo?: unknown }).demo,
  needs: [],
  create: () => instance,
};
const logger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => logger };

describe('definePlugin', () => {
  const bad: { name: string; def: PluginDefinition<unknown>; message: RegExp }[] = [
    { name: 'bad name', def: { ...valid, name: 'Demo Plugin' }, message: /name must be lower-case/ },
    { name: 'unknown kind', def: { ...valid, kind: 'frontend' } as unknown as PluginDefinition<unknown>, message: /kind must be backend, addon or renderer/ },
    { name: 'no schema', def: { ...valid, configSchema: {} } as unknown as PluginDefinition<unknown>, message: /configSchema must be a zod schema/ },
    { name: 'unknown need', def: { ...valid, needs: ['gpu'] } as unknown as PluginDefinition<unknown>, message: /unknown need "gpu"/ },
    { name: 'order on a backend', def: { ...valid, kind: 'backend', order: 'before-backend' }, message: /order is for addons only/ },
    { name: 'needs helm without naming its client', def: { ...valid, needs: ['helm'] }, message: /helmBinary\(config\) goes with needs: \['helm'\]/ },
    { name: 'a helm client without needing helm', def: { ...valid, helmBinary: () => 'helm' }, message: /helmBinary\(config\) goes with needs: \['helm'\]/ },
    {
      name: 'a config section that cannot be absent',
      def: { ...valid, configKeys: { sections: { demo: z.object({ n: z.number() }) } } },
      message: /configKeys: section demo must accept being absent \(its defaults\)/,
    },
    {
      name: 'a per-cluster key that is required',
      def: { ...valid, configKeys: { cluster: { demoHost: z.string() } } },
      message: /configKeys: clusters\.NAME\.demoHost must be optional/,
    },
    {
      name: 'a config key that is no schema',
      def: { ...valid, configKeys: { sections: { demo: 'n' } } } as unknown as PluginDefinition<unknown>,
      message: /demo is not a zod schema/,
    },
  ];
  it.each(bad)('rejects a definition with $name', ({ def, message }) => {
    expect(() => definePlugin(def)).toThrow(message);
  });

  it('accepts a valid definition unchanged', () => {
    expect(definePlugin(valid)).toBe(valid);
  });
});

describe('loadPlugins', () => {
  it('validates each plugin config slice and injects a child logger and the signal', () => {
    let seen: unknown;
    const def = definePlugin({ ...valid, create: (ctx) => ((seen = ctx), instance) }) as PluginDefinition<unknown>;
    const signal = new AbortController().signal;
    const [loaded] = loadPlugins([def], { demo: { n: 3 } }, logger, signal);
    expect(loaded).toMatchObject({ name: 'demo', kind: 'addon', order: 'after-backend' });
    expect(seen).toMatchObject({ config: { n: 3 }, signal });
  });

  it("gives each plugin the host's requeue, naming the plugin, and none when the host has none", () => {
    const contexts: { requeue?: (reason: string) => void }[] = [];
    const def = definePlugin({ ...valid, create: (ctx) => (contexts.push(ctx), instance) }) as PluginDefinition<unknown>;
    const asked: string[][] = [];
    const signal = new AbortController().signal;
    loadPlugins([def], { demo: { n: 3 } }, logger, { signal, requeue: (plugin, reason) => asked.push([plugin, reason]) });
    loadPlugins([def], { demo: { n: 3 } }, logger, signal);
    contexts[0]?.requeue?.('render-shortcut-mismatch');
    expect(asked).toEqual([['demo', 'render-shortcut-mismatch']]);
    expect(contexts[1]?.requeue).toBeUndefined();
  });

  it("fills a section the config lacks with the plugin's own defaults (a config composed without its keys)", () => {
    let seen: unknown;
    const owner = definePlugin({
      ...valid,
      configKeys: { sections: { demo: z.strictObject({ n: z.number().default(7) }).prefault({}) } },
      create: (ctx) => ((seen = ctx.config), instance),
    }) as PluginDefinition<unknown>;
    loadPlugins([owner], { prune: true }, logger, new AbortController().signal);
    expect(seen).toEqual({ n: 7 });
    loadPlugins([owner], { demo: { n: 2 } }, logger, new AbortController().signal);
    expect(seen).toEqual({ n: 2 });
  });

  it("resolves a plugin's helm client from its own validated config (needs: ['helm']); none for one that needs no helm", () => {
    const helmUser = definePlugin({
      ...valid,
      name: 'helmy',
      selectConfig: (c) => (c as { helmy?: unknown }).helmy,
      needs: ['helm'],
      helmBinary: (c) => `/opt/helm-${c.n}/helm`,
    }) as PluginDefinition<unknown>;
    const loaded = loadPlugins([helmUser, valid], { helmy: { n: 2 }, demo: { n: 1 } }, logger, new AbortController().signal);
    expect(loaded.map((p) => p.helmBinary)).toEqual(['/opt/helm-2/helm', undefined]);
  });

  it('names the plugin and field when its config is invalid', () => {
    expect(() => loadPlugins([valid as PluginDefinition<unknown>], { demo: { n: 'x' } }, logger, new AbortController().signal)).toThrow(/plugin demo: n: /);
  });

  it('refuses the same plugin twice', () => {
    const v = valid as PluginDefinition<unknown>;
    expect(() => loadPlugins([v, v], { demo: { n: 1 } }, logger, new AbortController().signal)).toThrow(/registered twice/);
  });
});

describe('renderer plugins', () => {
  const renderer = definePlugin<{ n: number }>({
    name: 'fixed',
    kind: 'renderer',
    configSchema: z.object({ n: z.number() }),
    selectConfig: (c) => pluginSection(c, 'fixed'),
    needs: [],
    create: () => ({ render: () => Promise.resolve({ objects: [] }) }),
  });

  it('loads a renderer as a backend driven by core’s release engine (plan and removal are core’s)', () => {
    const [loaded] = loadPlugins([renderer], { plugins: { fixed: { n: 1 } } }, logger, new AbortController().signal);
    expect(loaded).toMatchObject({ name: 'fixed', kind: 'backend', order: 'after-backend', needs: [] });
    expect(typeof loaded?.instance.plan).toBe('function');
    expect(typeof loaded?.instance.planRemoval).toBe('function');
  });

  it('takes its config from meshd.yaml’s plugins section, validated by its own schema', () => {
    expect(() => loadPlugins([renderer], { plugins: { fixed: { n: 'one' } } }, logger, new AbortController().signal)).toThrow(/plugin fixed: n: /);
    expect(() => loadPlugins([renderer], {}, logger, new AbortController().signal)).toThrow(/plugin fixed: /);
  });

  it('refuses order on a renderer', () => {
    expect(() => definePlugin({ ...renderer, order: 'before-backend' } as unknown as PluginDefinition<unknown>)).toThrow(/order is for addons only/);
  });

  it('names every backend and renderer as a backend name, in registration order; none without one', () => {
    expect(backendNames([valid, { ...valid, name: 'b', kind: 'backend' }, renderer])).toEqual(['b', 'fixed']);
    expect(backendNames([valid as PluginDefinition<unknown>])).toBeUndefined();
  });
});
