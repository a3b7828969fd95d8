// Issue 17, end to end: `npm run dist` on this clone, then the .deb installed into this machine's
// root with dpkg (CI runs as root on a throwaway machine) and the tarball unpacked into a temp
// directory. Every installed command runs from a directory outside the repository, with no
// node_modules on its path and a bare environment. The .deb is also installed into a stock Debian 12
// root (debootstrap minbase from the Debian mirror, cached in ~/.cache/meshd; no nodejs) and run
// there with chroot against the same clusters. Nothing here skips: without root, dpkg,
// systemd-analyze or debootstrap, or with a meshd package already installed, the suite fails and says why.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryPaths, startClusters } from '@meshd/testenv';
import type { TestEnv } from '@meshd/testenv';
import { MESHD_VERSION } from 'meshd';
import { addAll, endpointIps, workspace } from './support/mesh.js';
import type { MeshWorkspace } from './support/mesh.js';
import { stockBookworm } from './support/stock-debian.js';
import { WRAPPER } from '../scripts/release/load-cli.js';
import type { StockRoot } from './support/stock-debian.js';

const repo = resolve(import.meta.dirname, '..');
const deb = join(repo, `dist/meshd_${MESHD_VERSION}_amd64.deb`);
const tarball = join(repo, `dist/meshd-${MESHD_VERSION}.tar.gz`);
const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a command in `cwd` with a bare environment: the system PATH only, no NODE_PATH, HOME = cwd. */
function outside(cwd: string, cmd: string, args: string[]): Run {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: cwd, LANG: 'C.UTF-8' }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' });
const installedState = (): string => spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', 'meshd'], { encoding: 'utf8' }).stdout;

/** A fresh directory under the system temp directory, checked to have no node_modules above it. */
async function scratch(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (let d = dir; d !== dirname(d); d = dirname(d)) expect(existsSync(join(d, 'node_modules')), `${d}/node_modules`).toBe(false);
  expect(dir.startsWith(repo)).toBe(false);
  return dir;
}

let env: TestEnv;
let ws: MeshWorkspace;
let cwd: string;
/** What `npm run dist` printed. */
let buildLog = '';

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('the dist test installs a .deb: run it as root (CI does)');
  for (const tool of ['dpkg', 'dpkg-deb', 'systemd-analyze', 'tar', 'debootstrap', 'chroot']) {
    if (spawnSync('which', [tool]).status !== 0)
      throw new Error(
        `the dist test needs ${tool}: apt-get install -y ${({ 'systemd-analyze': 'systemd', chroot: 'coreutils' } as Record<string, string>)[tool] ?? tool}`,
      );
  }
  if (installedState() !== '')
    throw new Error(`a meshd package is already on this machine (${installedState()}): this test installs and purges it; dpkg -P meshd first`);
  const build = spawnSync(join(repo, 'node_modules/.bin/tsx'), ['scripts/release/main.ts'], { cwd: repo, encoding: 'utf8' });
  buildLog = `${build.stdout}${build.stderr}`;
  if (build.status !== 0) throw new Error(`npm run dist failed (${build.status}):\n${buildLog}`);
  cwd = await scratch('meshd-dist-cwd-');
  env = await startClusters({ count: 3 });
  ws = await workspace();
  await addAll(ws, env);
  // No chart: meshd must find the one it installed. helm is the test cache's (an operator's would be on PATH).
  await writeFile(ws.configPath, `helm: { binary: ${binaryPaths().helm} }\nstateDirectory: ${join(ws.root, 'state')}\n`);
}, 900_000);

afterAll(async () => {
  if (installedState() !== '') spawnSync('dpkg', ['-P', 'meshd']);
  await ws?.cleanup();
  await env?.stop();
  if (cwd !== undefined) await rm(cwd, { recursive: true, force: true });
});

describe('the .deb on a stock Debian 12 root (debootstrap minbase, no nodejs)', () => {
  let root: StockRoot;

  beforeAll(async () => {
    root = await stockBookworm();
    await cp(deb, join(root.dir, 'tmp/meshd.deb'));
    // The operator's part: helm on the PATH, the cluster directory (test clusters on 127.0.0.1, which
    // the chroot shares), and a meshd.yaml naming neither helm nor the chart.
    await cp(binaryPaths().helm, join(root.dir, 'usr/local/bin/helm'));
    await cp(ws.dir, join(root.dir, 'root/multicluster'), { recursive: true });
    await writeFile(join(root.dir, 'root/meshd.yaml'), 'stateDirectory: /root/state\n');
  }, 600_000);

  afterAll(async () => {
    await root?.dispose();
  });

  it('is Debian 12 without node, and dpkg -i installs meshd with its user', () => {
    expect(root.run('cat', ['/etc/debian_version']).out).toMatch(/^12\./);
    expect(root.run('sh', ['-c', 'command -v node nodejs']).code).not.toBe(0);
    const install = root.run('dpkg', ['-i', '/tmp/meshd.deb']);
    expect(install.code, install.out + install.err).toBe(0);
    expect(root.run('id', ['-un', 'meshd']).out.trim()).toBe('meshd');
    expect(root.run('dpkg-query', ['-W', '-f=${db:Status-Status}', 'nodejs']).out).not.toBe('installed');
  });

  it('runs meshd --version and validates the installed examples', () => {
    expect(root.run('/usr/bin/meshd', ['--version']).out.trim()).toContain(`${MESHD_VERSION} (commit ${commit}`);
    const validate = root.run('meshd', ['validate', '--dir', '/usr/lib/meshd/examples/multicluster']);
    expect(validate.code, validate.err).toBe(0);
    expect(validate.out).toContain('valid: 3 clusters');
  });

  it('converges the test clusters from inside the root with the installed chart; a plan then has nothing to do', async () => {
    const apply = root.run('meshd', ['apply', '--dir', '/root/multicluster', '--config', '/root/meshd.yaml']);
    expect(apply.code, apply.out + apply.err).toBe(0);
    expect(apply.out).toContain('converged');
    const pilot = await env.controlPlane.podIp('pilot');
    for (const remote of env.clusters.slice(1)) expect(await endpointIps(remote, 'istio-pilot')).toEqual([pilot]);
    const plan = root.run('meshd', ['plan', '--dir', '/root/multicluster', '--config', '/root/meshd.yaml', '--detailed-exitcode']);
    expect(plan.code, plan.out + plan.err).toBe(0);
  });

  it('dpkg -P inside the root leaves no meshd files behind', () => {
    expect(root.run('dpkg', ['-P', 'meshd']).code).toBe(0);
    expect(root.run('sh', ['-c', 'ls -d /usr/bin/meshd /usr/lib/meshd /etc/meshd /var/lib/meshd 2>/dev/null']).out).toBe('');
  });
});

describe('the .deb', () => {
  it('installs with dpkg -i: the meshd user, /etc/meshd modes, the conffile, a native /usr/bin/meshd', async () => {
    sh('dpkg', ['-i', deb]);
    expect(installedState()).toBe('installed');
    expect(sh('id', ['-un', 'meshd']).trim()).toBe('meshd');
    expect(sh('stat', ['-c', '%U:%G %a', '/etc/meshd', '/etc/meshd/multicluster', '/etc/meshd/meshd.yaml']).trim().split('\n')).toEqual([
      'root:meshd 750',
      'root:meshd 750',
      'root:meshd 640',
    ]);
    expect(sh('dpkg-query', ['-W', '-f=${Conffiles}', 'meshd'])).toContain('/etc/meshd/meshd.yaml');
    expect((await readFile('/usr/bin/meshd')).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  });

  it('runs /usr/bin/meshd --version (version and commit) and validates the installed examples', () => {
    const version = outside(cwd, '/usr/bin/meshd', ['--version']);
    expect(version.out.trim()).toMatch(new RegExp(`^${MESHD_VERSION.replaceAll('.', '\\.')} \\(commit ${commit}(-dirty)?\\)$`));
    const validate = outside(cwd, 'meshd', ['validate', '--dir', '/usr/lib/meshd/examples/multicluster']);
    expect(validate.code, validate.err).toBe(0);
    expect(validate.out).toContain('valid: 3 clusters');
  });

  it('applies the installed chart to real test clusters, then a second apply is a no-op', async () => {
    const apply = outside(cwd, 'meshd', ['apply', '--dir', ws.dir, '--config', ws.configPath]);
    expect(apply.code, apply.out + apply.err).toBe(0);
    const pilot = await env.controlPlane.podIp('pilot');
    for (const remote of env.clusters.slice(1)) expect(await endpointIps(remote, 'istio-pilot')).toEqual([pilot]);
    const plan = outside(cwd, 'meshd', ['plan', '--dir', ws.dir, '--config', ws.configPath, '--detailed-exitcode']);
    expect(plan.code, plan.out + plan.err).toBe(0);
  });

  it('ships a unit that uses /usr/bin/meshd and StateDirectory= and passes systemd-analyze verify', async () => {
    const unit = await readFile('/lib/systemd/system/meshd.service', 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/meshd run --config \/etc\/meshd\/meshd\.yaml$/m);
    expect(unit).toMatch(/^StateDirectory=meshd$/m);
    const verify = outside(cwd, 'systemd-analyze', ['verify', '/lib/systemd/system/meshd.service']);
    expect(verify.code, verify.err).toBe(0);
    expect(verify.err).not.toMatch(/meshd\.service/);
  });

  it('dpkg -r keeps configuration and state; dpkg -P removes them', async () => {
    await mkdir('/var/lib/meshd', { recursive: true });
    await writeFile('/var/lib/meshd/marker', 'state\n');
    await writeFile('/etc/meshd/multicluster/marker.yaml', "# the operator's\n");
    sh('dpkg', ['-r', 'meshd']);
    expect(installedState()).toBe('config-files');
    for (const gone of ['/usr/bin/meshd', '/usr/lib/meshd', '/lib/systemd/system/meshd.service']) expect(existsSync(gone), gone).toBe(false);
    for (const kept of ['/etc/meshd/meshd.yaml', '/etc/meshd/multicluster/marker.yaml', '/var/lib/meshd/marker']) expect(existsSync(kept), kept).toBe(true);
    sh('dpkg', ['-P', 'meshd']);
    expect(installedState()).toBe('');
    for (const gone of ['/etc/meshd', '/var/lib/meshd']) expect(existsSync(gone), gone).toBe(false);
    expect(sh('dpkg-statoverride', ['--list'])).not.toContain('meshd');
  });
});

describe('the tarball', () => {
  it('unpacks anywhere and runs bin/meshd with the system node: --version, validate, apply, a Pilot move followed, then a no-op plan', async () => {
    const root = await scratch('meshd-dist-tar-');
    sh('tar', ['-xzf', tarball, '-C', root]);
    const bin = join(root, `meshd-${MESHD_VERSION}/bin/meshd`);
    expect((await stat(bin)).mode & 0o111).not.toBe(0);
    expect(outside(cwd, bin, ['--version']).out.trim()).toContain(`${MESHD_VERSION} (commit ${commit}`);
    const validate = outside(cwd, bin, ['validate', '--dir', join(root, `meshd-${MESHD_VERSION}/lib/meshd/examples/multicluster`)]);
    expect(validate.code, validate.err).toBe(0);
    expect(validate.out).toContain('valid: 3 clusters');
    const apply = outside(cwd, bin, ['apply', '--dir', ws.dir, '--config', ws.configPath]);
    expect(apply.code, apply.out + apply.err).toBe(0);
    // The .deb's tests before this one may have converged the mesh already: a Pilot move makes the
    // tarball's meshd write (the remotes' Endpoints), with the chart it installed beside itself.
    const pilot = await env.controlPlane.movePilot();
    const follow = outside(cwd, bin, ['apply', '--dir', ws.dir, '--config', ws.configPath]);
    expect(follow.code, follow.out + follow.err).toBe(0);
    expect(follow.out).toMatch(/[1-9]\d* write request\(s\); converged/);
    for (const remote of env.clusters.slice(1)) expect(await endpointIps(remote, 'istio-pilot')).toEqual([pilot]);
    const plan = outside(cwd, bin, ['plan', '--dir', ws.dir, '--config', ws.configPath, '--detailed-exitcode']);
    expect(plan.code, plan.out + plan.err).toBe(0);
    await rm(root, { recursive: true, force: true });
  });

  it('makes the code cache while meshd converges local test clusters (this machine has their binaries), one plain node accepts', async () => {
    expect(buildLog).toContain('[dist] code cache: trained on 3 local test clusters (apply from empty, a no-op apply, plan)');
    const root = await scratch('meshd-dist-cache-');
    sh('tar', ['-xzf', tarball, '-C', root]);
    const lib = join(root, `meshd-${MESHD_VERSION}/lib/meshd`);
    // As load-cli.ts compiles it, in a plain node (V8 rejects a cache made under other flags, as vitest's may be).
    const check = [
      "const { readFileSync } = require('node:fs'); const { Script } = require('node:vm');",
      'const [cli, cache, head, tail] = process.argv.slice(1);',
      "const s = new Script(head + readFileSync(cli, 'latin1') + tail, { filename: cli, cachedData: readFileSync(cache) });",
      'process.stdout.write(String(s.cachedDataRejected));',
    ].join('\n');
    const args = ['-e', check, join(lib, 'cli.cjs'), join(lib, 'cli.cache'), WRAPPER.head, WRAPPER.tail];
    const rejected = execFileSync(process.execPath, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(rejected).toBe('false');
    // The training saw the test clusters' kubeconfigs, certificates and tokens: none of it is in what ships (a cache holds compiled code and literals of the source).
    const cache = (await readFile(join(lib, 'cli.cache'))).toString('latin1');
    for (const trace of ['meshd-bench-', '-----BEGIN CERTIFICATE-----\nMII', 'eyJhbGciOi']) expect(cache).not.toContain(trace);
    await rm(root, { recursive: true, force: true });
  });

  it('ships a CLI bundle of ASCII text only: V8 then holds its source as one byte per character, not two', async () => {
    const root = await scratch('meshd-dist-ascii-');
    sh('tar', ['-xzf', tarball, '-C', root]);
    const bundle = await readFile(join(root, `meshd-${MESHD_VERSION}/lib/meshd/cli.cjs`));
    const offending = bundle.findIndex((byte) => byte > 0x7f);
    expect(offending, `a byte over 0x7f at ${offending}: ${bundle.subarray(Math.max(0, offending - 60), offending + 20).toString()}`).toBe(-1);
    await rm(root, { recursive: true, force: true });
  });
});
