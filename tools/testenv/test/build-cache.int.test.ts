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
let scratch = '';

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('tools/build.sh', () => {
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
