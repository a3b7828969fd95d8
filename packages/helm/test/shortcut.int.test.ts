// The render shortcut of an endpoint move against the real helm binaries and the bundled istio-remote
// chart: what substitution produces is what helm renders, for several address sets.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { binaryPaths } from '@meshd/testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointShortcut, RenderCache, releaseValues, renderChart, type HelmBinary, type MoveEndpoints, type ShortcutInput } from '../src/index.js';

const CHART = fileURLToPath(new URL('../../../examples/charts/istio-remote', import.meta.url));
const paths = binaryPaths();
if (!existsSync(paths.helm)) throw new Error(`helm 3 is not built: ${paths.helm} is missing (run \`bash tools/build.sh helm3\`)`);
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => silent };
const USER_VALUES = { global: { hub: 'registry.example/istio', tag: '0.8.0' } };

/** The moves to check: a Pilot move, a Mixer move, policy and statsd on one pod, IPv6, all on one pod. */
const MOVES: MoveEndpoints[] = [
  { pilot: '192.0.2.31', policy: '192.0.2.15', statsd: '192.0.2.17' },
  { pilot: '192.0.2.31', policy: '192.0.2.40', statsd: '192.0.2.17' },
  { pilot: '10.244.1.9', policy: '10.244.2.7', statsd: '10.244.3.5' },
  { pilot: '198.51.100.251', policy: '203.0.113.251', statsd: '192.0.2.17' },
];
const SHARED: MoveEndpoints[] = [
  { pilot: '192.0.2.12', policy: '192.0.2.15', statsd: '192.0.2.15' },
  { pilot: '192.0.2.50', policy: '192.0.2.51', statsd: '192.0.2.51' },
];
const IPV6: MoveEndpoints[] = [
  { pilot: 'fd00:10::12', policy: 'fd00:10::15', statsd: 'fd00:10::17' },
  { pilot: 'fd00:10::99', policy: 'fd00:10::15', statsd: 'fd00:10::17' },
];

let home: string;
const helms: { name: string; helm: () => HelmBinary }[] = [];
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'meshd-helm-home-'));
  env = { ...process.env, HELM_CONFIG_HOME: home, HELM_CACHE_HOME: home, HELM_DATA_HOME: home, HELM_HOME: home };
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});
helms.push({ name: 'Helm 3', helm: () => ({ binary: paths.helm, major: 3, env }) });
const helm2 = paths.helm2;
if (helm2 !== undefined && existsSync(helm2)) helms.push({ name: 'Helm 2', helm: () => ({ binary: helm2, major: 2, env }) });

function inputOf(helm: HelmBinary, endpoints: MoveEndpoints): ShortcutInput {
  const valuesOf = (e: MoveEndpoints): Record<string, unknown> => releaseValues(e, USER_VALUES, { overrides: {} });
  return {
    request: { helm, chartDir: CHART, release: 'istio-remote', namespace: 'istio-system', values: valuesOf(endpoints), timeoutMs: 60_000 },
    endpoints,
    valuesOf,
  };
}

describe.each(helms)('the render shortcut of the bundled istio-remote chart with $name', ({ helm }) => {
  it.each([
    ['distinct IPv4 pods', MOVES],
    ['policy and statsd on one pod', SHARED],
    ['IPv6 pods', IPV6],
  ])(
    'proves the shape, then substitutes exactly what helm renders: %s',
    async (_name, moves) => {
      const cache = new RenderCache({ render: (request) => renderChart(request) });
      const mismatches: unknown[] = [];
      const shortcut = new EndpointShortcut({ cache, logger: silent, onMismatch: (m) => mismatches.push(m) });
      const [first, ...rest] = moves;
      await shortcut.render(inputOf(helm(), first!));
      await shortcut.settled();
      expect(shortcut.counts()).toMatchObject({ shapesProven: 1, shapesRefused: 0 });
      for (const endpoints of rest) {
        const runs = cache.counts().renders;
        const substituted = await shortcut.render(inputOf(helm(), endpoints));
        // No helm run on the substitution's path: helm's check starts CHECK_DELAY_MS later, in the background.
        expect(cache.counts().renders).toBe(runs);
        expect(substituted.objects).toEqual(await renderChart(inputOf(helm(), endpoints).request));
        await shortcut.settled();
        // The check ran once it was due: one helm render for the substitution.
        expect(cache.counts().renders).toBe(runs + 1);
      }
      expect(shortcut.counts()).toMatchObject({ substituted: rest.length, verified: rest.length, mismatches: 0 });
      expect(mismatches).toEqual([]);
    },
    60_000,
  );

  it('gives back helm’s refusal of a loopback address after a substitution accepted it', async () => {
    const cache = new RenderCache({ render: (request) => renderChart(request) });
    const mismatches: unknown[] = [];
    const shortcut = new EndpointShortcut({ cache, logger: silent, onMismatch: (m) => mismatches.push(m) });
    await shortcut.render(inputOf(helm(), MOVES[0]!));
    await shortcut.settled();
    const loopback = inputOf(helm(), { ...MOVES[0]!, pilot: '127.0.0.9' });
    await shortcut.render(loopback);
    await shortcut.settled();
    expect(mismatches).toHaveLength(1);
    await expect(shortcut.render(loopback)).rejects.toThrow(/loopback/);
  }, 60_000);
});
