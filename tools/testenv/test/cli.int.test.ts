import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { binaryPaths, readState, type ClusterEntry } from '@meshd/testenv';
import { isRunning } from './process-check.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const testenv = (...args: string[]): Promise<{ stdout: string }> => run(process.execPath, ['--import', 'tsx', cli, ...args]);

let parent = '';

afterAll(async () => {
  if (parent) await rm(parent, { recursive: true, force: true });
});

describe('testenv CLI', () => {
  it('`up` leaves 2 clusters running after it exits; `down` stops them and removes their files', async () => {
    parent = await mkdtemp(join(tmpdir(), 'testenv-cli-'));
    const dir = join(parent, 'clusters');
    await testenv('up', '--clusters', '2', '--dir', dir);

    const clusters = JSON.parse(await readFile(join(dir, 'clusters.json'), 'utf8')) as ClusterEntry[];
    expect(clusters.map((c) => c.name)).toEqual(['cp', 'remote-1']);
    const { stdout } = await run(binaryPaths().kubectl, [
      '--kubeconfig',
      join(dir, 'cp.kube.conf'),
      'get',
      'pods',
      '-n',
      'istio-system',
      '-l',
      'istio=pilot',
      '-o',
      'jsonpath={.items[*].status.phase}',
    ]);
    expect(stdout).toBe('Running');
    const state = await readState(dir);
    expect(state && isRunning(state.supervisorPid)).toBe(true);

    await testenv('down', '--dir', dir);
    expect(isRunning(state!.supervisorPid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await expect(run(binaryPaths().kubectl, ['--kubeconfig', join(dir, 'cp.kube.conf'), 'get', 'ns'])).rejects.toThrow();
  });

  it("`up --tiller` records each remote's tillerHost, where a Helm 2 client reaches that remote's Tiller", async () => {
    parent ||= await mkdtemp(join(tmpdir(), 'testenv-cli-'));
    const dir = join(parent, 'tiller');
    const { stdout } = await testenv('up', '--clusters', '2', '--tiller', '--dir', dir);
    try {
      const clusters = JSON.parse(await readFile(join(dir, 'clusters.json'), 'utf8')) as ClusterEntry[];
      expect(clusters[0]!.tillerHost).toBeUndefined();
      expect(clusters[1]!.tillerHost).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(stdout).toContain(`tiller ${clusters[1]!.tillerHost!}`);
      const helm2 = binaryPaths().helm2!;
      const env = { PATH: process.env.PATH ?? '', HELM_HOME: join(parent, 'helm-home') };
      const version = await run(helm2, ['version', '--server', '--short', '--host', clusters[1]!.tillerHost!], { env });
      expect(version.stdout).toMatch(/^Server: v2\.17\.0/);
    } finally {
      await testenv('down', '--dir', dir);
    }
    expect(existsSync(dir)).toBe(false);
  });
});
