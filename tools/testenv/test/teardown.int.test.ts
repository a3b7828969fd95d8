import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startClusters, type ClusterPorts } from '@meshd/testenv';
import { isRunning, recordLeftovers, remaining, waitForNothingLeft } from './process-check.js';

const nothing = { pids: [], ports: [], paths: [] };

describe('teardown', () => {
  it('stop() leaves no process, no bound port and no data dir', async () => {
    const env = await startClusters({ count: 2 });
    const leftovers = recordLeftovers(
      [env.supervisorPid, ...env.processes().values()],
      env.clusters.map((c) => c.ports),
      [env.dir],
    );
    expect(leftovers.pids).toHaveLength(1 + 2 * 3);
    expect(leftovers.pids.every(isRunning)).toBe(true);
    await env.stop();
    expect(await remaining(leftovers)).toEqual(nothing);
  });

  it('with Tillers (one per remote, none on the control plane), stop() still leaves nothing', async () => {
    const env = await startClusters({ count: 3, tiller: true });
    expect(env.clusters.map((c) => c.tillerHost)).toEqual([
      undefined,
      `127.0.0.1:${env.clusters[1]!.ports.tiller}`,
      `127.0.0.1:${env.clusters[2]!.ports.tiller}`,
    ]);
    expect([...env.processes().keys()].filter((n) => n.endsWith('/tiller')).sort()).toEqual(['remote-1/tiller', 'remote-2/tiller']);
    const leftovers = recordLeftovers(
      [env.supervisorPid, ...env.processes().values()],
      env.clusters.map((c) => c.ports),
      [env.dir],
    );
    expect(leftovers.pids).toHaveLength(1 + 3 * 3 + 2);
    expect(leftovers.ports).toHaveLength(3 * 3 + 2);
    await env.stop();
    expect(await remaining(leftovers)).toEqual(nothing);
  });

  it('leaves nothing behind when the launching process is killed with SIGKILL', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/hold-clusters.ts', import.meta.url));
    const launcher = spawn(process.execPath, ['--import', 'tsx', fixture, '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: launcher.stdout }).once('line', resolve);
      launcher.once('exit', (code) => reject(new Error(`launcher exited early (${code})`)));
    });
    const report = JSON.parse(line) as { supervisorPid: number; pids: number[]; ports: ClusterPorts[]; paths: string[] };
    const leftovers = recordLeftovers([report.supervisorPid, ...report.pids], report.ports, report.paths);
    expect(leftovers.pids).toHaveLength(1 + 2 * 3);
    expect(leftovers.pids.every(isRunning)).toBe(true);

    launcher.kill('SIGKILL');
    expect(await waitForNothingLeft(leftovers, 5000)).toEqual(nothing);
  });
});
