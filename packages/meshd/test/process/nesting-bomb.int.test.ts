// The attack report's L8 against the daemon itself: a 1,000,000-byte `.yaml` of nested brackets
// dropped into the directory of a `meshd run` whose V8 heap is capped (the systemd unit's optional
// NODE_OPTIONS line, tighter). Before the size and nesting budgets the daemon died with "heap out of
// memory" and crash-looped; now the file is a finding (the 1 MB one by the 64 KiB descriptor limit, a
// 60 KB one by the nesting budget), the daemon stays up, and nothing changes on the remote.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '@meshd/testkit';
import { useProcessFixture } from './fixture.js';
import { meshdOwnedObjects } from '../../../../test/support/remote-objects.js';

const fx = useProcessFixture({ joined: 2, daemon: { env: { NODE_OPTIONS: '--max-old-space-size=128' } } });

interface FindingsStatus {
  directory: { findings: { file: string; message: string }[] };
}

describe('a nesting bomb dropped into the directory of a heap-capped daemon (L8)', () => {
  it.each([
    ['1 MB of [ and ]', '[', ']', 500_000, 'square.yaml', 'over the 64 KiB limit'],
    ['60 KB of [ and ]', '[', ']', 30_000, 'square-small.yaml', 'nests deeper than 64 levels'],
    ['60 KB of { and }', '{', '}', 30_000, 'curly-small.yaml', 'nests deeper than 64 levels'],
  ])('%s is a finding; the daemon stays up and answers; the remote keeps every object', async (_what, open, close, count, name, finding) => {
    await until('remote-1 converged', async () => ((await fx.daemon.clusterState('remote-1')) === 'converged' ? true : undefined), {
      context: () => fx.daemon.tail(),
      timeoutMs: 120_000,
    });
    const owned = (await meshdOwnedObjects(fx.env.clusters[1]!)).map((o) => o.key);
    const tmp = join(fx.ws.root, 'bomb.tmp');
    await writeFile(tmp, open.repeat(count) + close.repeat(count));
    await rename(tmp, join(fx.ws.dir, name));
    await until(
      'the finding on /status',
      async () => {
        const status = JSON.parse((await fx.daemon.get('/status')).body) as FindingsStatus;
        return status.directory.findings.some((f) => f.file === name && f.message.includes(finding)) ? true : undefined;
      },
      { context: () => fx.daemon.tail(), timeoutMs: 30_000 },
    );
    expect(fx.daemon.hasExited()).toBe(false);
    expect((await fx.daemon.get('/healthz')).status).toBe(200);
    expect(fx.daemon.output()).not.toContain('heap out of memory');
    expect((await meshdOwnedObjects(fx.env.clusters[1]!)).map((o) => o.key)).toEqual(owned);
  });
});
