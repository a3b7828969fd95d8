// Attack L5 through the real `meshd run` process on real clusters: the cluster directory removed
// with `rm -rf` and restored, then swapped atomically as a symlink (`ln -s v2 D.new && mv -T D.new D`,
// `ln -sfn v1 D`). The daemon must say the directory is gone (503, nothing removed meanwhile), pick
// it up again, and an edit made afterwards must reach the control plane within 2 s.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientOf } from '../../../../test/support/mesh.js';
import { until } from '@meshd/testkit';
import { useProcessFixture } from './fixture.js';
import { firstEvent, meshdOwnedObjects, type FirstEvent } from '../../../../test/support/remote-objects.js';

const fx = useProcessFixture();
const context = (): string => fx.daemon.tail(30);
const sh = (...args: string[]): void => void execFileSync(args[0]!, args.slice(1), { cwd: fx.ws.root });
let deletions: FirstEvent | undefined;
let ownedBefore: string[] = [];

/** The descriptor text the control plane's registry publishes for remote-1. */
async function publishedRemote1(): Promise<string | undefined> {
  const cm = await clientOf(fx.env.clusters[0]!).core.readNamespacedConfigMap({ name: 'multicluster', namespace: 'istio-system' });
  return cm.data?.['remote-1.yaml'];
}

/** Adds an annotation to remote-1's descriptor in `dir`: the registry on the control plane must be rewritten. */
async function annotateRemote1(dir: string, value: string): Promise<void> {
  const path = join(dir, 'remote-1.yaml');
  const text = (await readFile(path, 'utf8')).replace(/^ {4}example\.com\/edited: .*\n/m, '');
  await writeFile(path, text.replace('  annotations:\n', `  annotations:\n    example.com/edited: "${value}"\n`));
}

/** Polls the registry until it publishes `value`, with a 2 s deadline from the edit (not a measured duration). */
async function publishedWithin2s(value: string): Promise<void> {
  await until(`the edit "${value}" published`, async () => ((await publishedRemote1())?.includes(`example.com/edited: "${value}"`) ? true : undefined), {
    timeoutMs: 2000,
    intervalMs: 25,
    context,
  });
}

function logged(msg: string): Record<string, unknown>[] {
  return fx.daemon.records().filter((r) => r.msg === msg);
}

/**
 * Waits until the daemon says the directory now leads to `target` (under the workspace root):
 * "was replaced" for an atomic swap, "is back" when the swap left a moment without the name.
 */
async function followed(target: string, from: number): Promise<string> {
  const want = join(fx.ws.root, target);
  const { value } = await until(
    `the directory followed to ${target}`,
    () =>
      Promise.resolve(
        fx.daemon
          .records()
          .slice(from)
          .find((r) => (r.msg === 'cluster directory was replaced' && r.to === want) || (r.msg === 'cluster directory is back' && r.realpath === want))?.msg as
          string | undefined,
      ),
    { timeoutMs: 5000, context },
  );
  return value;
}

beforeAll(async () => {
  await until('remote-1 converged', async () => ((await fx.daemon.clusterState('remote-1')) === 'converged' ? true : undefined), { context });
  ownedBefore = (await meshdOwnedObjects(fx.env.clusters[1]!)).map((o) => o.key);
  deletions = await firstEvent(fx.env.clusters, '/api/v1/namespaces/istio-system/services', { types: ['DELETED'] });
}, 120_000);

afterAll(() => deletions?.stop());

describe('the cluster directory removed, restored and swapped under a running meshd', () => {
  it('rm -rf DIR: 503 "does not exist", nothing removed; restored: picked up, and an edit converges within 2 s', async () => {
    sh('cp', '-a', 'multicluster', 'backup');
    sh('rm', '-rf', 'multicluster');
    const { value: readyz } = await until(
      '/readyz to say the directory is gone',
      async () => {
        const r = await fx.daemon.get('/readyz');
        return r.status === 503 && r.body.includes('does not exist') ? r : undefined;
      },
      { timeoutMs: 5000, context },
    );
    expect(JSON.parse(readyz.body)).toMatchObject({
      ready: false,
      reasons: expect.arrayContaining([`the cluster directory ${fx.ws.dir} does not exist`]) as unknown,
    });
    await until('the removal logged', () => Promise.resolve(logged('cluster directory is gone').length === 1 ? true : undefined), { timeoutMs: 5000, context });

    sh('cp', '-a', 'backup', 'multicluster');
    await until('the restore logged', () => Promise.resolve(logged('cluster directory is back').length === 1 ? true : undefined), { timeoutMs: 5000, context });
    await annotateRemote1(fx.ws.dir, 'after-restore');
    await publishedWithin2s('after-restore');
    await fx.daemon.waitReady(10_000);
    expect(logged('cluster directory is gone')).toHaveLength(1);
  });

  it('ln -s v2 DIR.new && mv -T DIR.new DIR, then ln -sfn v1 DIR: each target is followed and edits converge within 2 s', async () => {
    // Setting up the symlink is not atomic (the name is missing between mv and ln): gone + back, or replaced.
    let from = fx.daemon.records().length;
    sh('mv', 'multicluster', 'v1');
    sh('ln', '-s', 'v1', 'multicluster');
    await followed('v1', from);
    sh('cp', '-a', 'v1', 'v2');
    await annotateRemote1(join(fx.ws.root, 'v2'), 'v2');
    from = fx.daemon.records().length;
    sh('ln', '-s', 'v2', 'multicluster.new');
    sh('mv', '-T', 'multicluster.new', 'multicluster');
    expect(await followed('v2', from), 'an atomic swap is one replacement').toBe('cluster directory was replaced');
    await until('v2 published', async () => ((await publishedRemote1())?.includes('example.com/edited: "v2"') ? true : undefined), {
      timeoutMs: 5000,
      context,
    });
    await annotateRemote1(join(fx.ws.root, 'v2'), 'edited-in-v2');
    await publishedWithin2s('edited-in-v2');

    from = fx.daemon.records().length;
    sh('ln', '-sfn', 'v1', 'multicluster');
    await followed('v1', from);
    await annotateRemote1(join(fx.ws.root, 'v1'), 'edited-in-v1');
    await publishedWithin2s('edited-in-v1');
  });

  it('removed nothing meanwhile', async () => {
    const seen = await Promise.race([deletions!.seen, new Promise<undefined>((done) => setTimeout(() => done(undefined), 500))]);
    expect(seen, 'a Service was deleted while the directory came and went').toBeUndefined();
    expect((await meshdOwnedObjects(fx.env.clusters[1]!)).map((o) => o.key)).toEqual(ownedBefore);
    expect((await fx.daemon.status()).removed).toEqual([]);
    expect(fx.daemon.hasExited()).toBe(false);
  });
});
