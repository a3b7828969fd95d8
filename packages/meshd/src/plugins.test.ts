import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@meshd/core';
import { BUILTIN_PLUGINS } from './plugins.js';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'meshd-plugins-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('meshd.yaml with the built-in plugins', () => {
  it('examples/meshd.yaml is valid and spells out exactly the defaults, the plugins’ keys (helm:, tiller:, secrets:) included', async () => {
    const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
    const example = await loadConfig(join(repoRoot, 'examples', 'meshd.yaml'), {}, { homeDir: home, cwd: '/', plugins: BUILTIN_PLUGINS });
    const defaults = await loadConfig(undefined, {}, { homeDir: home, cwd: repoRoot, searchPaths: [], plugins: BUILTIN_PLUGINS });
    expect(example).toEqual(defaults);
    expect(defaults).toMatchObject({
      helm: { binary: 'helm' },
      tiller: { helmBinary: 'helm', namespace: 'kube-system', ensure: false, connectTimeout: 10_000, timeout: 300_000 },
      secrets: { names: ['istio.default'], namespaces: ['default'], createNamespaces: false, copyCaSecret: false },
    });
  });
});
