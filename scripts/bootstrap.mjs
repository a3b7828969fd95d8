#!/usr/bin/env node
// Makes a fresh clone ready: installs npm dependencies when the lockfile changed (so `npm test` and
// `npm run demo` need nothing first); with --all also builds the test binaries (tools/build.sh all)
// and installs Debian's chromium for the browser tests when it is missing (apt-get, as root: CI
// runs as root on a fresh Debian machine); with --demo builds only what `npm run demo` needs
// (kube-apiserver, etcd, Helm 3: no Helm 2 or Tiller, no browser).
// Only node: builtins here: this runs before node_modules exists.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'node_modules', '.meshd-lock-sha256');

function run(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
  if (res.status !== 0) {
    console.error(`bootstrap: ${cmd} ${args.join(' ')} failed (exit ${res.status ?? res.signal})`);
    process.exit(res.status ?? 1);
  }
}

function ensureNodeModules() {
  const lock = readFileSync(join(root, 'package-lock.json'));
  const want = createHash('sha256').update(lock).digest('hex');
  const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  if (have === want) return;
  console.error('bootstrap: installing npm dependencies (npm ci)…');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(stamp, `${want}\n`);
}

/** The browser the status-page tests drive (MESHD_CHROMIUM overrides it). */
const chromium = process.env.MESHD_CHROMIUM || '/usr/bin/chromium';

function ensureChromium() {
  if (existsSync(chromium)) return;
  if (process.getuid?.() !== 0) {
    console.error(
      `bootstrap: ${chromium} is missing and this is not root: install it with \`sudo apt-get install -y chromium\` (the browser tests fail without it)`,
    );
    return;
  }
  console.error('bootstrap: installing chromium for the browser tests (apt-get)…');
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => {
    const res = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, ...env } });
    if (res.status !== 0) {
      console.error(`bootstrap: apt-get ${args.join(' ')} failed (exit ${res.status ?? res.signal})`);
      process.exit(res.status ?? 1);
    }
  };
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', 'chromium']);
}

const args = new Set(process.argv.slice(2));
ensureNodeModules();
if (args.has('--all') || args.has('--binaries')) run('bash', [join(root, 'tools', 'build.sh'), 'all']);
else if (args.has('--demo')) run('bash', [join(root, 'tools', 'build.sh'), 'helm3', 'etcd', 'k8s']);
if (args.has('--all') || args.has('--browser')) ensureChromium();
