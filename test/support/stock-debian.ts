// A stock Debian 12 (bookworm) root for test/dist.int.test.ts: what `debootstrap --variant=minbase`
// installs (the 88 required packages: no nodejs, no ca-certificates, no systemd), from the Debian
// mirror this machine's apt uses, cached under the meshd cache directory and copied for each run,
// so a test installs the .deb into a root nobody else changed. Commands run in it with chroot(8):
// the root shares this machine's network, so meshd inside reaches the test clusters on 127.0.0.1.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheRoot } from '@meshd/testenv';

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';

/**
 * The Debian mirror apt uses here: MESHD_DEBIAN_MIRROR, else the first `URIs:` of a deb822
 * /etc/apt/sources.list.d/*.sources file or `deb` line of /etc/apt/sources.list naming a `/debian`
 * archive (not debian-security), else deb.debian.org.
 */
export function debianMirror(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESHD_DEBIAN_MIRROR) return env.MESHD_DEBIAN_MIRROR;
  const texts: string[] = [];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir))
    for (const f of readdirSync(dir)
      .filter((name) => name.endsWith('.sources') || name.endsWith('.list'))
      .sort())
      texts.push(readFileSync(join(dir, f), 'utf8'));
  if (existsSync('/etc/apt/sources.list')) texts.push(readFileSync('/etc/apt/sources.list', 'utf8'));
  for (const text of texts) {
    for (const match of text.matchAll(/^(?:URIs:|deb(?:\s+\[[^\]]*\])?)\s+(\S+\/debian)\/?(?:\s|$)/gm)) {
      if (match[1] !== undefined) return match[1];
    }
  }
  return DEFAULT_MIRROR;
}

/** Where the pristine root is kept: `<meshd cache>/debian-bookworm-root`. */
export function bookwormRootCache(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'debian-bookworm-root');
}

/**
 * The cached pristine bookworm root, made with debootstrap when missing (about 3 minutes and 50 MB
 * from the mirror; built beside the cache entry and renamed into place, so an interrupted run leaves
 * no half root behind). Needs root and debootstrap; throws saying so.
 */
export async function bookwormRoot(): Promise<string> {
  const root = bookwormRootCache();
  if (existsSync(join(root, 'etc/debian_version'))) return root;
  if (process.getuid?.() !== 0) throw new Error('making a Debian root needs root (debootstrap, chroot)');
  if (spawnSync('which', ['debootstrap']).status !== 0) throw new Error('making a Debian root needs debootstrap: apt-get install -y debootstrap');
  const building = `${root}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  execFileSync('debootstrap', ['--variant=minbase', 'bookworm', building, debianMirror()], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('chroot', [building, 'apt-get', 'clean']);
  await rename(building, root);
  return root;
}

/** The outcome of one command in the root. */
export interface RootRun {
  code: number | null;
  out: string;
  err: string;
}

/** A throwaway copy of the stock root. */
export interface StockRoot {
  /** The copy's directory on this machine (its `/`). */
  readonly dir: string;
  /**
   * Runs `cmd args` inside the root with chroot, in `cwd` (inside the root; default /root) with a
   * bare environment: the root's PATH, HOME=/root, LANG=C.UTF-8.
   */
  run(cmd: string, args: readonly string[], cwd?: string): RootRun;
  /** Removes the copy. */
  dispose(): Promise<void>;
}

/** A fresh copy of the pristine bookworm root (made first when missing) under the temp directory. */
export async function stockBookworm(): Promise<StockRoot> {
  const pristine = await bookwormRoot();
  const dir = join(await mkdtemp(join(tmpdir(), 'meshd-bookworm-')), 'root');
  // cp -a: owners, modes, device nodes and hard links as debootstrap left them.
  execFileSync('cp', ['-a', pristine, dir]);
  return {
    dir,
    run(cmd, args, cwd = '/root') {
      const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8'];
      const script = 'cd "$1" && shift && exec "$@"';
      const r = spawnSync('chroot', [dir, '/usr/bin/env', '-i', ...env, '/bin/sh', '-c', script, 'sh', cwd, cmd, ...args], {
        encoding: 'utf8',
        timeout: 180_000,
      });
      return { code: r.status, out: r.stdout, err: r.stderr };
    },
    async dispose() {
      await rm(join(dir, '..'), { recursive: true, force: true });
    },
  };
}
