import { describe, expect, it } from 'vitest';
import { hasCode, loadPlugins } from '@meshd/core';
import type { Logger } from '@meshd/core';
import { secretsPlugin } from './plugin.js';

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };
const load = (config: unknown): ReturnType<typeof loadPlugins> => loadPlugins([secretsPlugin], config, silent, new AbortController().signal);

describe('secretsPlugin', () => {
  it('registers as an addon that needs nothing but its config', () => {
    expect(secretsPlugin).toMatchObject({ name: 'secrets', kind: 'addon', needs: [] });
    expect(load({ secrets: { names: ['istio.*'], namespaceSelector: 'istio-injection=enabled' } })).toMatchObject([{ name: 'secrets', kind: 'addon' }]);
    expect(load({})).toHaveLength(1);
  });

  it('refuses invalid secrets config at load time, as a terminal config error', () => {
    let caught: unknown;
    try {
      load({ secrets: { names: ['ok'], copyCaSecret: 'yes' } });
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'MESHD_ERR_INVALID_CONFIG')).toBe(true);
    expect((caught as Error).message).toMatch(/plugin secrets: copyCaSecret/);
  });
});
