// A descriptor replaced, while the real `meshd run` process watches the directory, by something that
// is not a regular file (a dangling symlink, a FIFO, a directory): the attack report's L4. meshd must
// report the file and keep the cluster — nothing deleted on the remote across three resyncs.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeConfig } from '../../../../test/support/mesh.js';
import { reconcilesByKey, until } from '@meshd/testkit';
import { useProcessFixture } from './fixture.js';
import { meshdOwnedObjects } from '../../../../test/support/remote-objects.js';

const fx = useProcessFixture({ joined: 3, prepare: (f) => writeConfig(f.ws, ['resync: 2s']) });

const context = (): string => fx.daemon.tail();

/** The part of GET /status this test reads. */
interface DirectoryStatus {
  directory: { valid: boolean; findings: { file: string; line: number; col: number; severity: string; message: string }[] };
  clusters: { name: string; state: string }[];
  removed: { name: string }[];
}

async function directoryStatus(): Promise<DirectoryStatus> {
  return JSON.parse((await fx.daemon.get('/status')).body) as DirectoryStatus;
}

/** Registry-key reconciles (start, every resync, membership changes) counted by the daemon so far: each resync runs it once. */
async function fullPasses(): Promise<number> {
  return reconcilesByKey((await fx.daemon.get('/metrics')).body).get('@registry') ?? 0;
}

const ODD: [string, string, (path: string) => Promise<void>][] = [
  ['a dangling symlink', 'is a symbolic link whose target does not exist', (path) => symlink(join(fx.ws.root, 'checkout-moved-away', 'remote-2.yaml'), path)],
  ['a FIFO', 'is a named pipe (FIFO), not a regular file', (path) => Promise.resolve(void execFileSync('mkfifo', [path]))],
  ['a directory', 'is a directory, not a file', (path) => mkdir(path).then(() => undefined)],
];

describe('odd files are findings, never removals (L4): meshd run against real clusters', () => {
  let descriptor = '';

  it('converges the three clusters first', async () => {
    for (const name of ['remote-1', 'remote-2'])
      await until(`${name} converged`, async () => ((await fx.daemon.clusterState(name)) === 'converged' ? true : undefined), { context, timeoutMs: 120_000 });
    descriptor = await readFile(join(fx.ws.dir, 'remote-2.yaml'), 'utf8');
    expect((await meshdOwnedObjects(fx.env.clusters[2]!)).length).toBeGreaterThan(5);
  });

  it.each(ODD)('a descriptor replaced by %s is reported and deletes nothing across three resyncs', async (_what, predicate, make) => {
    const path = join(fx.ws.dir, 'remote-2.yaml');
    const owned = (await meshdOwnedObjects(fx.env.clusters[2]!)).map((o) => o.key);
    await rm(path, { recursive: true, force: true });
    const from = await fullPasses();
    await make(path);
    await until('three resyncs', async () => ((await fullPasses()) >= from + 3 ? true : undefined), { context, timeoutMs: 60_000 });
    expect((await meshdOwnedObjects(fx.env.clusters[2]!)).map((o) => o.key)).toEqual(owned);
    const status = await directoryStatus();
    expect(status.removed.map((r) => r.name)).not.toContain('remote-2');
    expect(status.clusters.map((c) => c.name)).toContain('remote-2');
    expect(status.directory.valid).toBe(false);
    expect(status.directory.findings.filter((f) => f.file === 'remote-2.yaml')).toEqual([
      { file: 'remote-2.yaml', line: 1, col: 1, severity: 'error', message: expect.stringContaining(predicate) as string },
    ]);
    expect(fx.daemon.hasExited()).toBe(false);

    await rm(path, { recursive: true, force: true });
    await writeFile(path, descriptor);
    await until(
      'the finding gone and remote-2 converged',
      async () => {
        const now = await directoryStatus();
        const clean = !now.directory.findings.some((f) => f.file === 'remote-2.yaml');
        return clean && now.clusters.find((c) => c.name === 'remote-2')?.state === 'converged' ? true : undefined;
      },
      { context },
    );
  });
});
