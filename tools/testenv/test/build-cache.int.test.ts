import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryPaths, missingBinaries } from '@meshd/testenv';

const run = promisify(execFile);
const buildSh = fileURLToPath(new URL('../../build.sh', import.meta.url));
const libSh = fileURLToPath(new URL('../../build/lib.sh', import.meta.url));
/** A binary's `--version` that prints its version first and then far more than a pipe holds. */
const chattyVersion = 'printf "etcd Version: 3.6.8\\n"; seq 1 200000';

/** Runs `meshd_check_version ARGS...` from tools/build/lib.sh in a strict shell (as the recipes do). */
function checkVersion(...args: string[]) {
  const script = `set -euo pipefail; source "$1"; shift; meshd_check_version "$@"`;
  return run('bash', ['-c', script, 'check', libSh, ...args]);
}
let scratch = '';

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('tools/build.sh', () => {
  it("checks a built binary's version from its whole output, so a chatty binary does not fail the build", async () => {
    // `etcd --version | grep -q 3.6.8` under pipefail failed a CI build: grep left at the first line, etcd died of SIGPIPE.
    await expect(checkVersion('3.6.8', 'bash', '-c', chattyVersion)).resolves.toBeDefined();
    await expect(checkVersion('--line', 'v2.16.12', 'printf', 'v2.16.12\\n')).resolves.toBeDefined();
    await expect(checkVersion('--line', 'v2.16.1', 'printf', 'v2.16.12\\n')).rejects.toThrow(/printed .*v2\.16\.12.*expected a line equal to v2\.16\.1/);
    await expect(checkVersion('3.5.0', 'bash', '-c', chattyVersion)).rejects.toThrow(/expected something containing 3\.5\.0/);
    await expect(checkVersion('3.6.8', 'bash', '-c', 'echo broken >&2; exit 3')).rejects.toThrow(/failed: broken/);
  });

  it('rebuilds nothing from a warm cache and answers within seconds', async () => {
    expect(missingBinaries(binaryPaths())).toEqual([]);
    const started = Date.now();
    const { stderr } = await run('bash', [buildSh, 'k8s', 'etcd', 'helm3']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(stderr.match(/up to date/g)).toHaveLength(3);
    expect(stderr).not.toMatch(/building/);
  });

  it('lets two concurrent builds of one component share the work through its lock', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'meshd-build-lock-'));
    const env = { ...process.env, MESHD_CACHE_DIR: scratch };
    const first = run('bash', [buildSh, 'etcd'], { env });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const second = run('bash', [buildSh, 'etcd'], { env });
    const logs = (await Promise.all([first, second])).map((r) => r.stderr).join('\n');
    expect(logs.match(/building v3\.6/g)).toHaveLength(1);
    expect(logs).toMatch(/waiting for its lock|up to date/);
    const etcdDir = join(scratch, 'etcd');
    expect(await readdir(etcdDir)).toEqual([binaryPaths({ MESHD_CACHE_DIR: scratch }).etcd.split('/').at(-2)]);
    const { stdout } = await run(binaryPaths({ MESHD_CACHE_DIR: scratch }).etcd, ['--version']);
    expect(stdout).toMatch(/etcd Version: 3\.6\./);
  });
});
