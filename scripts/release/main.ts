// `npm run dist`: the bundle, then dist/meshd-<version>.tar.gz (bin/meshd for the system's Node
// >= 20.19) and dist/meshd_<version>_amd64.deb (/usr/bin/meshd, a Node single executable).
// Options: --no-deb (bundle and tarball only); --offline-cache (the code cache trained without the
// local test clusters it otherwise starts when their binaries are built: training-mesh.ts).
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MESHD_VERSION } from '../../packages/meshd/src/cli/version.js';
import { bundleMeshd } from './bundle.js';
import { writeCodeCache } from './code-cache.js';
import { CONFIG_EDITS, copyEdited, stageTree, UNIT_EDITS } from './layout.js';
import { singleExecutable } from './sea.js';
import { withTrainingMesh } from './training-mesh.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const here = fileURLToPath(new URL('./', import.meta.url));
const dist = join(repo, 'dist');
const run = (cmd: string, args: string[], cwd = repo): string => execFileSync(cmd, args, { cwd, encoding: 'utf8' }).trim();
const log = (msg: string): void => void process.stderr.write(`[dist] ${msg}\n`);

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(repo, 'packages/meshd/package.json'), 'utf8')) as { version: string };
  if (pkg.version !== MESHD_VERSION) throw new Error(`packages/meshd/package.json says ${pkg.version}, cli/version.ts says ${MESHD_VERSION}`);
  return pkg.version;
}

function commit(): string {
  const head = run('git', ['rev-parse', '--short=12', 'HEAD']);
  return run('git', ['status', '--porcelain', '--untracked-files=no']) === '' ? head : `${head}-dirty`;
}

/** The release tarball: meshd-<version>/{bin/meshd, lib/meshd/…, package.json}. */
async function tarball(name: string, bundle: { launcher: string; cli: string; cache: string }): Promise<string> {
  const root = join(dist, 'stage', name);
  await stageTree(root, { repo, ...bundle }, { bin: 'launcher' });
  // bin/meshd is CommonJS without an extension: this keeps a "type": "module" above the unpacked tree from claiming it.
  await writeFile(
    join(root, 'package.json'),
    `${JSON.stringify({ name: 'meshd', version: MESHD_VERSION, private: true, type: 'commonjs', engines: { node: '>=20.19' } }, null, 2)}\n`,
  );
  const out = join(dist, `${name}.tar.gz`);
  run('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-czf', out, '-C', join(dist, 'stage'), name]);
  return out;
}

/** The .deb: the single executable, the tree under /usr/lib/meshd, the unit, /etc/meshd. */
async function debian(ver: string, bundle: { launcher: string; cli: string; cache: string }): Promise<string> {
  const root = join(dist, 'stage', `meshd_${ver}_amd64`);
  await stageTree(join(root, 'usr'), { repo, ...bundle }, { bin: 'none' });
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  const nodeVersion = await singleExecutable({ ...bundle, work: join(dist, 'stage'), out: join(root, 'usr/bin/meshd') });
  await mkdir(join(root, 'lib/systemd/system'), { recursive: true });
  await copyEdited(join(repo, 'examples/systemd/meshd.service'), join(root, 'lib/systemd/system/meshd.service'), UNIT_EDITS);
  await mkdir(join(root, 'etc/meshd/multicluster'), { recursive: true });
  await copyEdited(join(repo, 'examples/meshd.yaml'), join(root, 'etc/meshd/meshd.yaml'), CONFIG_EDITS);
  await mkdir(join(root, 'DEBIAN'));
  for (const script of ['postinst', 'prerm', 'postrm', 'conffiles']) await cp(join(here, 'debian', script), join(root, 'DEBIAN', script));
  for (const script of ['postinst', 'prerm', 'postrm']) await chmod(join(root, 'DEBIAN', script), 0o755);
  const installedSize = run('du', ['-sk', '--exclude=DEBIAN', root]).split(/\s/)[0] ?? '0';
  const control = (await readFile(join(here, 'debian/control'), 'utf8'))
    .replace('@VERSION@', ver)
    .replace('@INSTALLED_SIZE@', installedSize)
    .replace('@NODE_VERSION@', nodeVersion);
  await writeFile(join(root, 'DEBIAN/control'), control);
  const out = join(dist, `meshd_${ver}_amd64.deb`);
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '-z6', '--build', root, out]);
  return out;
}

const ver = await version();
await rm(dist, { recursive: true, force: true });
const bundle = { launcher: join(dist, 'bundle/meshd'), cli: join(dist, 'bundle/cli.cjs'), cache: join(dist, 'bundle/cli.cache') };
const warnings = await bundleMeshd({ ...bundle, commit: commit() });
for (const warning of warnings) log(`esbuild: ${warning}`);
await withTrainingMesh(process.argv, log, (mesh) => writeCodeCache(bundle.cli, bundle.cache, mesh));
log(`bundle: ${bundle.launcher} (${(await stat(bundle.launcher)).size} B), ${bundle.cli} (${((await stat(bundle.cli)).size / 1e6).toFixed(1)} MB)`);
log(`tarball: ${await tarball(`meshd-${ver}`, bundle)}`);
if (!process.argv.includes('--no-deb')) log(`deb: ${await debian(ver, bundle)}`);
