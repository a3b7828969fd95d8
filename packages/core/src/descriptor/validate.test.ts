import { describe, expect, it } from 'vitest';
import { snapshotFromContents } from './memory-snapshot.js';
import { sampleDescriptor, sampleDirectory, sampleKubeconfig } from '@meshd/testkit';
import { parse, stringify } from 'yaml';
import { validateDirectory } from './validate.js';

const validate = (files: Record<string, string>) => validateDirectory(snapshotFromContents({ ...sampleDirectory(), ...files }));

describe('validateDirectory', () => {
  it('limits the whole directory to 1 MiB in configmap mode only (one Secret per remote in secrets mode)', () => {
    const big = (name: string): string => `${sampleKubeconfig(name)}#${'x'.repeat(600 * 1024)}\n`;
    const snapshot = snapshotFromContents({ ...sampleDirectory(), 'east.kube.conf': big('east'), 'west.kube.conf': big('west') });
    const asConfigMap = validateDirectory(snapshot);
    expect(asConfigMap.valid).toBe(false);
    expect(asConfigMap.directoryErrors.map((f) => f.message)).toEqual([
      expect.stringContaining('over the 1 MiB a ConfigMap can hold (registry.mode: secrets has no such limit)'),
    ]);
    expect(validateDirectory(snapshot, { registryMode: 'configmap' }).valid).toBe(false);
    const asSecrets = validateDirectory(snapshot, { registryMode: 'secrets' });
    expect(asSecrets.findings).toEqual([]);
    expect(asSecrets.clusters.map((c) => c.name)).toEqual(['cp', 'east', 'west']);
  });

  it('accepts two clusters in one multi-document file, each with its own source text', () => {
    const both = `${sampleDescriptor({ name: 'east' })}---\n${sampleDescriptor({ name: 'north' })}`;
    const result = validate({ 'east.yaml': both, 'north.kube.conf': sampleKubeconfig('north') });
    expect(result.valid).toBe(true);
    const north = result.clusters.find((c) => c.name === 'north');
    expect(north?.file).toBe('east.yaml');
    expect(north?.descriptorText).toBe(`---\n${sampleDescriptor({ name: 'north' })}`);
    expect(result.registryFiles['east.yaml']).toBe(both);
  });

  it('skips empty documents of a multi-document file', () => {
    const result = validate({ 'east.yaml': `---\n---\n${sampleDescriptor({ name: 'east' })}---\n` });
    expect(result.findings).toEqual([]);
    expect(result.clusters.map((c) => c.name)).toEqual(['cp', 'east', 'west']);
  });

  it('keeps the clusters of good files when another file is broken, and names the broken one', () => {
    const result = validate({ 'west.yaml': 'kind: [\n' });
    expect(result.valid).toBe(false);
    expect(result.invalidFiles).toEqual(['west.yaml']);
    expect(result.clusters.map((c) => c.name)).toEqual(['cp', 'east']);
    expect(result.directoryErrors).toEqual([]);
  });

  it('does not claim "no control plane" when the file that may hold it cannot be read', () => {
    const result = validate({ 'cp.yaml': '\u0000\u0001' });
    expect(result.directoryErrors).toEqual([]);
    expect(result.findings.map((f) => `${f.file}:${f.line}: ${f.message}`)).toEqual(['cp.yaml:1: file is not UTF-8 text (binary content?)']);
  });

  it('puts two control planes in directoryErrors but keeps both files valid', () => {
    const result = validate({ 'east.yaml': sampleDescriptor({ name: 'east', controlPlane: true }) });
    expect(result.directoryErrors.map((f) => `${f.file}:${f.line}:${f.col}`)).toEqual(['cp.yaml:8:36', 'east.yaml:8:36']);
    expect(result.invalidFiles).toEqual([]);
    expect(result.valid).toBe(false);
  });

  it('marks both a broken kubeconfig and the descriptor naming it invalid', () => {
    const result = validate({ 'east.kube.conf': 'clusters: 3\n' });
    expect(result.invalidFiles).toEqual(['east.kube.conf', 'east.yaml']);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ file: 'east.kube.conf', line: 1, col: 11, message: 'kubeconfig clusters must be a list, got a number' }),
    );
  });

  it('reports a kubeconfig shared by two descriptors once', () => {
    const result = validate({ 'west.yaml': sampleDescriptor({ name: 'west', accessConfigFile: 'east.kube.conf' }), 'east.kube.conf': 'x' });
    expect(result.findings.filter((f) => f.file === 'east.kube.conf')).toHaveLength(1);
    expect(result.invalidFiles).toEqual(['east.kube.conf', 'east.yaml', 'west.yaml']);
  });

  it('accepts a kubeconfig with a .yaml name: it is not read as a descriptor', () => {
    const result = validate({
      'east.yaml': sampleDescriptor({ name: 'east', accessConfigFile: 'east-kubeconfig.yaml' }),
      'east-kubeconfig.yaml': sampleKubeconfig('east'),
    });
    expect(result.valid).toBe(true);
    expect(result.registryFiles['east-kubeconfig.yaml']).toBe(sampleKubeconfig('east'));
  });

  it("checks the current user's impersonation fields and the cluster's proxy-url (hostile shapes are findings, never headers)", () => {
    const edited = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string => {
      const k = parse(sampleKubeconfig('east')) as { users: { user: Record<string, unknown> }[]; clusters: { cluster: Record<string, unknown> }[] };
      Object.assign(k.users[0]!.user, user);
      Object.assign(k.clusters[0]!.cluster, cluster);
      return stringify(k);
    };
    const messages = (text: string): string[] =>
      validate({ 'east.kube.conf': text })
        .findings.filter((f) => f.file === 'east.kube.conf')
        .map((f) => f.message);
    expect(
      messages(edited({ as: 'ops', 'as-groups': ['ops'], 'as-uid': '42', 'as-user-extra': { 'team/x': ['a'] } }, { 'proxy-url': 'http://127.0.0.1:3128' })),
    ).toEqual([]);
    expect(messages(edited({ 'as-groups': ['system:masters'] }))).toEqual([
      'kubeconfig user "east-admin": "as-groups" impersonates without "as" (the user to impersonate)',
    ]);
    expect(messages(edited({ as: 'evil\r\nImpersonate-Group: system:masters' }))).toEqual([
      'kubeconfig user "east-admin": "as" must be a non-empty single-line string',
    ]);
    expect(messages(edited({ as: 'ops', 'as-groups': 'system:masters' }))).toEqual([
      'kubeconfig user "east-admin": "as-groups" must be a list of single-line strings',
    ]);
    expect(messages(edited({ as: 'ops', 'as-user-extra': { 'k\n': ['v'] } }))).toEqual([
      'kubeconfig user "east-admin": "as-user-extra" must map single-line keys to lists of single-line strings',
    ]);
    expect(messages(edited({}, { 'proxy-url': 'socks5://127.0.0.1:1080' }))).toEqual([
      'kubeconfig proxy-url: socks5 proxies are not supported; use an http:// or https:// proxy that speaks HTTP CONNECT',
    ]);
    expect(messages(edited({}, { 'proxy-url': 7 }))).toEqual(['kubeconfig proxy-url must be a URL; use an http:// or https:// proxy that speaks HTTP CONNECT']);
  });

  it('never quotes kubeconfig values in findings', () => {
    const secret = 'token-abc123-secret';
    const result = validate({ 'east.kube.conf': `clusters: "${secret}"\ncontexts: []\nusers: ${secret}\ncurrent-context: ${secret}\n` });
    expect(result.findings.length).toBeGreaterThan(0);
    expect(JSON.stringify(result.findings)).not.toContain(secret);
  });

  it('strings every annotation value as Kubernetes stores it', () => {
    const text = sampleDescriptor({ name: 'east' }).replace(
      '    config.istio.io/platform: Kubernetes',
      '    config.istio.io/platform: ""\n    example.com/replicas: 3\n    example.com/flag: true',
    );
    const east = validate({ 'east.yaml': text }).clusters.find((c) => c.name === 'east');
    expect(east?.annotations).toMatchObject({ 'config.istio.io/platform': '', 'example.com/replicas': '3', 'example.com/flag': 'true' });
    expect(east?.platform).toBe('');
    expect(east?.spec?.kubernetesApiEndpoints?.serverEndpoints?.[0]).toEqual({ clientCIDR: '198.51.100.0/24', serverAddress: '198.51.100.10:6443' });
  });

  it('reports the directory problem of a snapshot that could not be read', () => {
    const result = validateDirectory({ dir: '/x', maxFileBytes: 10, files: {}, skipped: {}, unusable: {}, problem: 'directory does not exist' });
    expect(result.directoryErrors).toEqual([{ file: '', line: 0, col: 0, severity: 'error', message: 'directory does not exist' }]);
    expect(result.valid).toBe(false);
  });

  it('limits a descriptor to 64 KiB, but not a .yaml kubeconfig that a descriptor names (L8)', () => {
    const padded = `${sampleDescriptor({ name: 'east' })}#${'x'.repeat(64 * 1024)}\n`;
    const big = validate({ 'east.yaml': padded });
    expect(big.findings).toEqual([
      {
        file: 'east.yaml',
        line: 1,
        col: 1,
        severity: 'error',
        message: `file is ${padded.length} bytes, over the 64 KiB limit for a cluster descriptor (a kubeconfig that a descriptor names may have up to 1 MiB)`,
      },
    ]);
    expect(big.invalidFiles).toEqual(['east.yaml']);
    const kubeconfig = `${sampleKubeconfig('east')}#${'x'.repeat(200 * 1024)}\n`;
    const named = validate({
      'east.kube.conf': '',
      'east.yaml': sampleDescriptor({ name: 'east', accessConfigFile: 'east.kubeconfig.yaml' }),
      'east.kubeconfig.yaml': kubeconfig,
    });
    expect(named.findings.filter((f) => f.file !== 'east.kube.conf')).toEqual([]);
    expect(named.registryFiles['east.kubeconfig.yaml']).toBe(kubeconfig);
  });

  it('refuses a bracket bomb before parsing it, in a descriptor and in a kubeconfig, with its position (L8)', () => {
    const deep = (n: number): string => `${'['.repeat(n)}${']'.repeat(n)}`;
    const result = validate({ 'notes.yaml': deep(30_000), 'east.kube.conf': deep(500_000) });
    const message = expect.stringContaining('YAML nests deeper than 64 levels') as string;
    expect(result.findings).toEqual([
      { file: 'east.kube.conf', line: 1, col: 65, severity: 'error', message },
      { file: 'notes.yaml', line: 1, col: 65, severity: 'error', message },
    ]);
    expect(result.clusters.map((c) => c.name)).toEqual(['cp', 'west']);
  });

  it('quotes only the first characters of a value from a file that does not look like a descriptor (a stray token)', () => {
    const token = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.c2VjcmV0';
    const result = validate({ 'east-token.yaml': `${token}\n`, 'creds.yaml': `kind: ${token}\n` });
    expect(result.findings.map((f) => `${f.file}: ${f.message}`)).toEqual([
      'creds.yaml: apiVersion is missing (it must be "clusterregistry.k8s.io/v1alpha1")',
      'creds.yaml: metadata is missing',
      'creds.yaml: kind must be "Cluster", got "eyJhbGc..."',
      'east-token.yaml: a cluster descriptor must be a YAML mapping (apiVersion, kind, metadata, spec), got "eyJhbGc..."',
    ]);
    expect(JSON.stringify(result.findings)).not.toContain(token.slice(0, 8));
    const descriptorLike = validate({ 'east.yaml': sampleDescriptor({ name: 'east' }).replace('kind: Cluster', `kind: ${token}`) });
    expect(descriptorLike.findings[0]?.message).toContain(token);
  });
});

describe('the meshd.io/backend annotation', () => {
  const withBackend = (backend: string): Record<string, string> => ({
    ...sampleDirectory(),
    'east.yaml': sampleDescriptor({ name: 'east' }).replace('  annotations:\n', `  annotations:\n    meshd.io/backend: ${backend}\n`),
  });
  const registered = ['helm-template', 'tiller', 'fixture-renderer'];

  it('accepts any registered backend or renderer, a third one too', () => {
    const validation = validateDirectory(snapshotFromContents(withBackend('fixture-renderer')), { backends: registered });
    expect(validation.findings).toEqual([]);
    expect(validation.clusters.find((c) => c.name === 'east')?.annotations['meshd.io/backend']).toBe('fixture-renderer');
  });

  it('refuses a name no plugin registered, at its file, line and field, and keeps the cluster out', () => {
    const validation = validateDirectory(snapshotFromContents(withBackend('istioctl')), { backends: registered });
    expect(validation.valid).toBe(false);
    expect(validation.invalidFiles).toEqual(['east.yaml']);
    expect(validation.findings.map((f) => ({ file: f.file, line: f.line, field: f.field, message: f.message }))).toEqual([
      {
        file: 'east.yaml',
        line: 6,
        field: 'meshd.io/backend',
        message: 'meshd.io/backend must be a registered backend: helm-template, tiller, fixture-renderer, got "istioctl"',
      },
    ]);
  });

  it('without registered names checks the syntax only: any plugin name, not a malformed one', () => {
    expect(validateDirectory(snapshotFromContents(withBackend('istioctl'))).valid).toBe(true);
    const validation = validateDirectory(snapshotFromContents(withBackend('"Bad Name"')));
    expect(validation.findings.map((f) => f.message)).toEqual(['meshd.io/backend must be a backend plugin name, got "Bad Name"']);
  });
});
