import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import { duration, listenAddress } from './fields.js';
import { COMMAND_LINE, parseConfigText } from './parse.js';
import type { ConfigPlugin } from './plugin-keys.js';

/** Plugins known by name and kind only (core keeps no list of backends of its own). */
const plugins = (...names: string[]): ConfigPlugin[] => names.map((name) => ({ name, kind: name === 'helm-template' ? 'renderer' : 'backend' }));

/** A meshd with helm-template and tiller registered, as the parser sees them (their own keys aside). */
const REGISTERED = plugins('helm-template', 'tiller');

const lines = (text: string, overrides = {}) =>
  parseConfigText(text, 'meshd.yaml', overrides, REGISTERED).findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.severity}: ${f.message}`);

describe('meshd.yaml schema', () => {
  it('an empty file means every default of DESIGN.md', () => {
    expect(parseConfigText('', 'meshd.yaml')).toEqual({
      findings: [],
      keysInFile: [],
      config: {
        directory: '~/multicluster',
        listen: '127.0.0.1:9580',
        plugins: {},
        allowedHosts: [],
        backend: 'helm-template',
        chart: './examples/charts/istio-remote',
        release: { name: 'istio-remote', namespace: 'istio-system' },
        values: {},
        endpoints: {},
        registry: { mode: 'configmap', namespace: 'istio-system', restartPilot: false, secretUpdate: 'recreate' },
        resync: 600_000,
        watchTimeout: 1_800_000,
        prune: true,
        adopt: false,
        concurrency: 4,
        clusters: {},
        removals: { maxPerPass: 1 },
        compat: { convertRemovedApis: false },
        credentials: {
          mode: 'minted',
          serviceAccount: 'meshd-pilot-reader',
          namespace: 'istio-system',
          lifetime: 86_400_000,
          rotateAt: 2 / 3,
          retireAfter: 30_000,
          rules: [],
          legacyToken: false,
        },
        istiod: { debugUrl: '' },
      },
    });
  });

  it("credentials: a lifetime under TokenRequest's 10 minutes, a rotation fraction outside (0, 1) and write verbs are refused", () => {
    expect(lines('credentials: { lifetime: 5m }').join('\n')).toMatch(/credentials\.lifetime must be between 10m and 366 days/);
    expect(lines('credentials: { rotateAt: 1 }')).toHaveLength(1);
    expect(lines("credentials: { rules: [{ apiGroups: [''], resources: [secrets], verbs: [create] }] }")).toHaveLength(1);
    expect(lines('registry: { secretUpdate: replace }')).toHaveLength(1);
    expect(lines('allowedHosts: [meshd.example.internal, 192.0.2.7]')).toEqual([]);
    expect(lines('allowedHosts: ["meshd.example.internal:9580"]')).toEqual([
      'meshd.yaml:1:16: error: allowedHosts[0] must be a host name such as "meshd.example.internal" (no port, no scheme), got "meshd.example.internal:9580"',
    ]);
    expect(lines('allowedHosts: ["http://meshd.example.internal"]')).toHaveLength(1);
    expect(lines('allowedHosts: ["*.example.internal"]')).toHaveLength(1);
    expect(lines("clusters: { east: { publishedServer: 'http://198.51.100.1' } }")).toHaveLength(1);
    expect(lines("clusters: { east: { publishedServer: 'https://198.51.100.1:6443' } }")).toEqual([]);
  });

  it('reads every key, with nested defaults filled in', () => {
    const text = [
      'directory: /srv/clusters',
      'backend: tiller',
      'release: { name: remote }',
      'values: { global: { proxy: { image: proxyv2 } } }',
      'endpoints: { pilot: 192.0.2.5, policy: "fd00::5" }',
      'registry: { mode: secrets }',
      'resync: 1h30m',
      'concurrency: 8',
      "clusters: { east: { backend: helm-template, values: { a: 1 } }, west: { publishedServer: 'https://198.51.100.7:6443' } }",
    ].join('\n');
    const { config, findings } = parseConfigText(text, 'meshd.yaml');
    expect(findings).toEqual([]);
    expect(config).toMatchObject({
      directory: '/srv/clusters',
      backend: 'tiller',
      release: { name: 'remote', namespace: 'istio-system' },
      endpoints: { pilot: '192.0.2.5', policy: 'fd00::5' },
      registry: { mode: 'secrets', restartPilot: false },
      resync: 5_400_000,
      concurrency: 8,
      clusters: { east: { backend: 'helm-template', values: { a: 1 } }, west: { publishedServer: 'https://198.51.100.7:6443' } },
    });
  });

  it.each([
    ['unknown top-level key', 'directory: /x\nbakend: tiller\n', 'meshd.yaml:2:1: error: unknown field bakend; did you mean "backend"?'],
    ['unknown nested key', 'release:\n  name: r\n  namspace: x\n', 'meshd.yaml:3:3: error: unknown field release.namspace; did you mean "namespace"?'],
    [
      'unknown per-cluster key',
      'clusters:\n  east:\n    backnd: tiller\n',
      'meshd.yaml:3:5: error: unknown field clusters.east.backnd; did you mean "backend"?',
    ],
    ['wrong backend', 'backend: helm\n', 'meshd.yaml:1:10: error: backend must be a registered backend (helm-template, tiller), got "helm"'],
    ['listen without port', 'listen: 127.0.0.1\n', 'meshd.yaml:1:9: error: listen must be HOST:PORT, e.g. "127.0.0.1:9580", got "127.0.0.1"'],
    [
      'endpoint is a host name',
      'endpoints:\n  pilot: istio-pilot.istio-system\n',
      'meshd.yaml:2:10: error: endpoints.pilot must be an IP address (a pod IP or a stable load-balancer IP), got "istio-pilot.istio-system"',
    ],
    ['resync without unit', 'resync: 10\n', 'meshd.yaml:1:9: error: resync must be a string, got 10 (quote it)'],
    ['resync bad unit', 'resync: 10d\n', 'meshd.yaml:1:9: error: resync must be a duration such as "10m", "90s" or "1h30m", got "10d"'],
    ['prune as a string', 'prune: "no"\n', 'meshd.yaml:1:8: error: prune must be true or false, got "no"'],
    ['concurrency zero', 'concurrency: 0\n', 'meshd.yaml:1:14: error: concurrency must be at least 1'],
    ['registry mode', 'registry: { mode: crd }\n', 'meshd.yaml:1:19: error: registry.mode must be "configmap" or "secrets", got "crd"'],
    [
      'bad cluster name',
      'clusters:\n  East_1: {}\n',
      'meshd.yaml:2:3: error: clusters has an invalid key: must be a DNS-1123 label (lowercase letters, digits and \'-\'), got "East_1"',
    ],
    ['a list instead of a mapping', '- directory\n', 'meshd.yaml:1:1: error: meshd.yaml must be a mapping of settings (directory, listen, backend, ...)'],
    [
      'YAML syntax error',
      'directory: [\n',
      'meshd.yaml:2:1: error: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['concurrency above 64', 'concurrency: 65\n', 'meshd.yaml:1:14: error: concurrency must be at most 64'],
    ['concurrency not whole', 'concurrency: 1.5\n', 'meshd.yaml:1:14: error: concurrency must be a whole number, got 1.5'],
    ['a plugin’s key without the plugin', 'helm: { binary: helm }\n', 'meshd.yaml:1:1: error: unknown field helm'],
    ['two documents', 'prune: true\n---\nadopt: true\n', 'meshd.yaml:3:1: error: meshd.yaml must be a single YAML document'],
  ])('%s', (_name, text, expected) => {
    expect(lines(text)).toContain(expected);
    expect(parseConfigText(text, 'meshd.yaml', {}, REGISTERED).config).toBeUndefined();
  });

  it('command-line overrides win over the file', () => {
    const { config } = parseConfigText('directory: /from/file\nlisten: 127.0.0.1:1\nrelease: { name: a }\n', 'meshd.yaml', {
      directory: '/from/flag',
      release: { namespace: 'other' },
    });
    expect(config?.directory).toBe('/from/flag');
    expect(config?.listen).toBe('127.0.0.1:1');
    expect(config?.release).toEqual({ name: 'a', namespace: 'other' });
  });

  it('an invalid override is reported against the command line', () => {
    expect(lines('listen: 127.0.0.1:1\n', { listen: 'nowhere' })).toEqual([
      `${COMMAND_LINE}:0:0: error: listen must be HOST:PORT, e.g. "127.0.0.1:9580", got "nowhere"`,
    ]);
  });

  it('backend: names a registered backend or renderer (the names meshd is given), also per cluster', () => {
    const backends = plugins('helm-template', 'tiller', 'fixture-renderer');
    const { config, findings } = parseConfigText('backend: fixture-renderer\nclusters: { east: { backend: tiller } }\n', 'meshd.yaml', {}, backends);
    expect(findings).toEqual([]);
    expect(config).toMatchObject({ backend: 'fixture-renderer', clusters: { east: { backend: 'tiller' } } });
    const refused = parseConfigText('backend: fixture-renderer\nclusters:\n  east: { backend: istioctl }\n', 'meshd.yaml', {}, REGISTERED);
    expect(refused.config).toBeUndefined();
    expect(refused.findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.field}: ${f.message}`)).toEqual([
      'meshd.yaml:1:10: backend: backend must be a registered backend (helm-template, tiller), got "fixture-renderer"',
      'meshd.yaml:3:20: clusters.east.backend: clusters.east.backend must be a registered backend (helm-template, tiller), got "istioctl"',
    ]);
  });

  it('backend: defaults to helm-template when it is registered, else to the first registered backend', () => {
    expect(parseConfigText('', 'meshd.yaml', {}, REGISTERED).config?.backend).toBe('helm-template');
    expect(parseConfigText('', 'meshd.yaml', {}, plugins('fixture-renderer', 'tiller')).config?.backend).toBe('fixture-renderer');
  });

  it('backend: without registered names (a library caller) any plugin name passes, a malformed one does not', () => {
    expect(parseConfigText('backend: fixture-renderer\n', 'meshd.yaml').config?.backend).toBe('fixture-renderer');
    expect(parseConfigText('backend: Not_A_Plugin\n', 'meshd.yaml').findings.map((f) => f.message)).toEqual([
      'backend must be a plugin name (lower-case letters, digits and dashes), got "Not_A_Plugin"',
    ]);
  });

  it('plugins: each plugin’s own section passes through unvalidated (the plugin’s schema checks it); its names are DNS labels', () => {
    const { config } = parseConfigText('plugins: { fixture-renderer: { manifest: /m.json, extra: [1] } }\n', 'meshd.yaml');
    expect(config?.plugins).toEqual({ 'fixture-renderer': { manifest: '/m.json', extra: [1] } });
    expect(parseConfigText('', 'meshd.yaml').config?.plugins).toEqual({});
    expect(lines('plugins: { Bad_Name: {} }\n')).toEqual([
      'meshd.yaml:1:12: error: plugins has an invalid key: must be a DNS-1123 label (lowercase letters, digits and \'-\'), got "Bad_Name"',
    ]);
  });
});

describe('meshd.yaml composed from the plugins: each owns its keys, core validates them with its own', () => {
  const fixture: ConfigPlugin = {
    name: 'fixture',
    kind: 'addon',
    configKeys: {
      sections: { fixture: z.strictObject({ binary: z.string().min(1).default('fx'), wait: duration.prefault('5s') }).prefault({}) },
      cluster: { fixtureHost: listenAddress.optional() },
    },
  };
  const withFixture = (text: string): string[] =>
    parseConfigText(text, 'meshd.yaml', {}, [...REGISTERED, fixture]).findings.map((f) => `${f.file}:${f.line}:${f.col} ${f.field ?? ''}: ${f.message}`);

  it('an absent section is its defaults; a set one is validated (durations in milliseconds), and so are its per-cluster keys', () => {
    expect(parseConfigText('', 'meshd.yaml', {}, [fixture]).config).toMatchObject({ fixture: { binary: 'fx', wait: 5000 } });
    const { config, findings } = parseConfigText('fixture: { wait: 1m }\nclusters: { east: { fixtureHost: "192.0.2.1:80" } }\n', 'meshd.yaml', {}, [fixture]);
    expect(findings).toEqual([]);
    expect(config).toMatchObject({ fixture: { binary: 'fx', wait: 60_000 }, clusters: { east: { fixtureHost: '192.0.2.1:80' } } });
  });

  it("a mistake in a plugin's key names the file, line, column and field, like one in core's", () => {
    expect(withFixture('directory: /x\nfixture:\n  binary: ""\n  wait: soon\n')).toEqual([
      'meshd.yaml:3:11 fixture.binary: fixture.binary must not be empty',
      'meshd.yaml:4:9 fixture.wait: fixture.wait must be a duration such as "10m", "90s" or "1h30m", got "soon"',
    ]);
    expect(withFixture('clusters:\n  east: { fixtureHost: nowhere }\n')).toEqual([
      'meshd.yaml:2:24 clusters.east.fixtureHost: clusters.east.fixtureHost must be HOST:PORT, e.g. "127.0.0.1:9580", got "nowhere"',
    ]);
    expect(withFixture('fixture: { binry: x }\n')).toEqual(['meshd.yaml:1:12 fixture.binry: unknown field fixture.binry; did you mean "binary"?']);
    expect(withFixture('clusters: { east: { fixtureHst: x } }\n')).toEqual([
      'meshd.yaml:1:21 clusters.east.fixtureHst: unknown field clusters.east.fixtureHst; did you mean "fixtureHost"?',
    ]);
  });

  it('a plugin may not claim a key core or another plugin owns (MESHD_ERR_PLUGIN)', () => {
    const claims = (name: string, sections: Record<string, z.ZodType>): ConfigPlugin => ({ name, kind: 'addon', configKeys: { sections } });
    const thrown = (list: ConfigPlugin[]): unknown => {
      try {
        parseConfigText('', 'meshd.yaml', {}, list);
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const prune = thrown([claims('greedy', { prune: z.boolean().optional() })]);
    expect(hasCode(prune, 'MESHD_ERR_PLUGIN')).toBe(true);
    expect((prune as Error).message).toBe("plugin greedy: meshd.yaml key prune is already core's");
    expect((thrown([fixture, claims('copycat', { fixture: z.unknown() })]) as Error).message).toBe(
      "plugin copycat: meshd.yaml key fixture is already fixture's",
    );
  });
});
