import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleDescriptor, sampleDirectory } from '@meshd/testkit';
import { captureIo } from '@meshd/testkit';
import { main } from '../main.js';

const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshd-validate-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function directory(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text, { mode: 0o600 });
  return dir;
}

describe('meshd validate', () => {
  it('accepts the examples/multicluster directory (exit 0)', async () => {
    const io = captureIo(repoRoot);
    const code = await main(['node', 'meshd', 'validate', '--dir', 'examples/multicluster'], io);
    expect(io.stdoutText).toMatch(/^examples\/multicluster: valid: 3 clusters \(control plane falkor07; remotes east, west\), \d+ warnings?$/m);
    expect(io.stdoutText).not.toMatch(/: error: /);
    expect(code).toBe(0);
  });

  it('finds only documentation addresses (RFC 5737, and loopback) in the examples, so running them dials nobody', async () => {
    const files = ['examples/meshd.yaml', ...(await readdir(join(repoRoot, 'examples/multicluster'))).map((f) => `examples/multicluster/${f}`)];
    const documentation = /^((192\.0\.2|198\.51\.100|203\.0\.113)\.\d+|127\.0\.0\.1)$/;
    for (const file of files) {
      const addresses = (await readFile(join(repoRoot, file), 'utf8')).match(/\b\d{1,3}(\.\d{1,3}){3}\b/g) ?? [];
      expect(
        addresses.filter((a) => !documentation.test(a)),
        file,
      ).toEqual([]);
    }
  });

  it('prints paths relative to --dir as typed, with a trailing slash too', async () => {
    await directory('typed', { ...sampleDirectory(), 'east.yaml': sampleDescriptor({ name: 'east', pilotEndpoint: 'nope' }) });
    const io = captureIo(root);
    const code = await main(['node', 'meshd', 'validate', '--dir', './typed/'], io);
    expect(io.stdoutText.split('\n')[0]).toBe(
      'typed/east.yaml:6:36: error: config.istio.io/pilotEndpoint must be host:port (an IP address or DNS name, then a port 1-65535), e.g. "192.0.2.1:9080", got "nope"',
    );
    expect(code).toBe(1);
  });

  it('--json prints the verdict and findings, never kubeconfig content', async () => {
    const dir = await directory('json', { ...sampleDirectory(), 'west.yaml': sampleDescriptor({ name: 'west', serverAddress: 'bad address' }) });
    await chmod(join(dir, 'cp.kube.conf'), 0o644);
    const io = captureIo(root);
    const code = await main(['node', 'meshd', 'validate', '--dir', 'json', '--json'], io);
    const report = JSON.parse(io.stdoutText) as {
      valid: boolean;
      clusters: { name: string; role: string }[];
      invalidFiles: string[];
      findings: Record<string, unknown>[];
    };
    expect(code).toBe(1);
    expect(report.valid).toBe(false);
    expect(report.clusters.map((c) => `${c.name}/${c.role}`)).toEqual(['cp/control-plane', 'east/remote']);
    expect(report.invalidFiles).toEqual(['west.yaml']);
    expect(report.findings).toContainEqual(expect.objectContaining({ file: 'west.yaml', path: 'json/west.yaml', line: 14, col: 24, severity: 'error' }));
    expect(report.findings).toContainEqual(expect.objectContaining({ file: 'cp.kube.conf', line: 1, col: 1, severity: 'warning' }));
    expect(io.stdoutText).not.toContain('placeholder-token');
  });

  it('reports a missing directory as an error of the directory itself', async () => {
    const io = captureIo(root);
    const code = await main(['node', 'meshd', 'validate', '--dir', 'no-such-dir'], io);
    expect(io.stdoutText).toBe('no-such-dir: error: directory does not exist\nno-such-dir: invalid: 1 error, 0 warnings\n');
    expect(code).toBe(1);
  });

  it('takes the directory from --config when --dir is not given', async () => {
    await directory('from-config', sampleDirectory());
    await writeFile(join(root, 'meshd.yaml'), 'directory: ./from-config\n');
    const io = captureIo(root);
    const code = await main(['node', 'meshd', 'validate', '--config', 'meshd.yaml'], io);
    expect(io.stdoutText).toBe(`${join(root, 'from-config')}: valid: 3 clusters (control plane cp; remotes east, west), 0 warnings\n`);
    expect(code).toBe(0);
  });

  it('reports an invalid config file with its position and exits 1', async () => {
    await writeFile(join(root, 'bad.yaml'), 'directory: ./x\nlisten: 127.0.0.1:9580\nbakend: tiller\n');
    const io = captureIo(root);
    const code = await main(['node', 'meshd', 'validate', '--config', 'bad.yaml'], io);
    expect(io.stderrText).toContain(`${join(root, 'bad.yaml')}:3:1: error: unknown field bakend; did you mean "backend"?`);
    expect(code).toBe(1);
  });

  it('limits the directory to 1 MiB only when meshd.yaml publishes the registry as one ConfigMap', async () => {
    const padded = (name: string): string => `${sampleDirectory()[`${name}.kube.conf`] ?? ''}#${'x'.repeat(600 * 1024)}\n`;
    await directory('big', { ...sampleDirectory(), 'east.kube.conf': padded('east'), 'west.kube.conf': padded('west') });
    await writeFile(join(root, 'configmap.yaml'), 'registry: { mode: configmap }\n');
    await writeFile(join(root, 'secrets.yaml'), 'registry: { mode: secrets }\n');
    const asConfigMap = captureIo(root);
    expect(await main(['node', 'meshd', 'validate', '--dir', 'big', '--config', 'configmap.yaml'], asConfigMap)).toBe(1);
    expect(asConfigMap.stdoutText).toContain('big: error: the registry would hold');
    const asSecrets = captureIo(root);
    expect(await main(['node', 'meshd', 'validate', '--dir', 'big', '--config', 'secrets.yaml'], asSecrets)).toBe(0);
    expect(asSecrets.stdoutText).toBe('big: valid: 3 clusters (control plane cp; remotes east, west), 0 warnings\n');
  });
});
