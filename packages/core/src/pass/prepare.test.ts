import { describe, expect, it } from 'vitest';
import type { LoadedPlugin } from '../plugin/define.js';
import type { ComponentInstance, PrepareInput } from '../plugin/types.js';
import { BACKEND_ANNOTATION } from '../descriptor/annotations.js';
import type { ValidCluster } from '../descriptor/types.js';
import { prepareRemotes } from './prepare.js';

const endpoints = { pilot: '192.0.2.2', policy: '192.0.2.3', statsd: '192.0.2.4' };

/** A plugin whose instance records each preparation as `plugin:cluster`; `fails` makes its prepare reject. */
function plugin(name: string, kind: 'backend' | 'addon', seen: string[] | undefined, fails = false): LoadedPlugin {
  const never = (): never => {
    throw new Error('a preparation never observes, plans or applies');
  };
  const instance: ComponentInstance = { observe: never, plan: never, observeRemoval: never, planRemoval: never, apply: never };
  if (seen)
    instance.prepare = (input: PrepareInput): Promise<void> => {
      seen.push(`${name}:${input.cluster.name}:${JSON.stringify(input.cluster.overrides)}:${input.endpoints.pilot}`);
      return fails ? Promise.reject(new Error('helm is gone')) : Promise.resolve();
    };
  return { name, kind, order: 'after-backend', needs: [], watches: [], instance };
}

const remote = (name: string, backend?: string): ValidCluster =>
  ({ name, role: 'remote', annotations: backend ? { [BACKEND_ANNOTATION]: backend } : {} }) as unknown as ValidCluster;

describe('prepareRemotes: each remote warmed by the components that serve it, nothing else', () => {
  it("asks each remote's own backend (config override, descriptor annotation, default) and the addons that can prepare", async () => {
    const seen: string[] = [];
    const plugins = [plugin('helm-template', 'backend', seen), plugin('tiller', 'backend', seen), plugin('secrets', 'addon', undefined)];
    const done = await prepareRemotes({
      plugins,
      config: { backend: 'helm-template', concurrency: 2, clusters: { east: { backend: 'tiller', values: { a: 1 } } } },
      mesh: { remotes: [remote('east'), remote('west', 'tiller'), remote('north')] },
      endpoints,
    });
    expect(seen.sort()).toEqual([
      'helm-template:north:{}:192.0.2.2',
      'tiller:east:{"backend":"tiller","values":{"a":1}}:192.0.2.2',
      'tiller:west:{}:192.0.2.2',
    ]);
    expect(done).toBe(3);
  });

  it('a preparation that fails, or a backend that is not registered, is passed over without throwing', async () => {
    const seen: string[] = [];
    const done = await prepareRemotes({
      plugins: [plugin('helm-template', 'backend', seen, true), plugin('audit', 'addon', seen)],
      config: { backend: 'helm-template', concurrency: 1, clusters: {} },
      mesh: { remotes: [remote('east'), remote('west', 'no-such-backend')] },
      endpoints,
    });
    expect(seen.sort()).toEqual(['audit:east:{}:192.0.2.2', 'helm-template:east:{}:192.0.2.2']);
    expect(done).toBe(1);
  });
});
