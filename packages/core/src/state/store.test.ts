import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import { createHash } from 'node:crypto';
import { decodeStateFile, encodeStateFile, syncDirectory } from './state-file.js';
import { onlySettlesPending, StateStore, type JournalEntry, type MemberRecord } from './store.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'meshd-state-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const east: MemberRecord = {
  name: 'east',
  role: 'remote',
  file: 'east.yaml',
  descriptorText: 'kind: Cluster',
  accessConfigFile: 'east.kube.conf',
  kubeconfigText: 'apiVersion: v1',
};

describe('state files', () => {
  it('round-trip any JSON data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (data) => {
        expect(decodeStateFile('f', encodeStateFile(data))).toEqual(JSON.parse(JSON.stringify(data)));
      }),
    );
  });

  it('are written as the envelope JSON.stringify makes, byte for byte (the files of earlier versions read the same)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (data) => {
        const json = JSON.stringify(data);
        const sha256 = createHash('sha256').update(json).digest('hex');
        expect(encodeStateFile(data)).toBe(`${JSON.stringify({ format: 'meshd-state/v1', sha256, data: JSON.parse(json) as unknown })}\n`);
      }),
    );
  });

  it('syncs a directory for every caller, many at once sharing syncs, and fails only the callers of a directory that cannot be synced', async () => {
    const dir = tempDir();
    const calls = Array.from({ length: 40 }, (_, i) => (i === 7 ? syncDirectory(join(dir, 'absent')) : syncDirectory(dir)));
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([expect.stringContaining('ENOENT') as unknown]);
    expect(settled.filter((r) => r.status === 'fulfilled')).toHaveLength(39);
    await expect(syncDirectory(dir)).resolves.toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['truncated', encodeStateFile({ a: 'b'.repeat(40) }).slice(0, 30)],
    ['hand-edited data', encodeStateFile({ a: 1 }).replace('"a":1', '"a":2')],
    ['another format', JSON.stringify({ format: 'x', sha256: '', data: 1 })],
    ['no checksum', JSON.stringify({ format: 'meshd-state/v1', data: 1 })],
  ])('a %s file is a clear terminal error naming the file', (_what, text) => {
    let thrown: unknown;
    try {
      decodeStateFile('/var/lib/meshd/members/east.json', text);
    } catch (err) {
      thrown = err;
    }
    expect(hasCode(thrown, 'MESHD_ERR_STATE')).toBe(true);
    expect((thrown as Error).message).toMatch(/^state file \/var\/lib\/meshd\/members\/east\.json is damaged/);
  });
});

describe('StateStore', () => {
  it('creates the directory 0700 and its files 0600, and reads back what it wrote', async () => {
    const dir = join(tempDir(), 'state');
    const store = await StateStore.open(dir);
    await store.putMember(east);
    await store.record(
      'east',
      'release/istio-remote',
      new Map([['v1/Service/istio-system/x', { ref: { apiVersion: 'v1', kind: 'Service', namespace: 'istio-system', name: 'x' }, uid: 'u-1' }]]),
    );
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'members', 'east.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'journal', 'east.json')).mode & 0o777).toBe(0o600);
    const again = await StateStore.open(dir);
    expect(again.members()).toEqual([east]);
    expect(again.journal('east', 'release/istio-remote').get('v1/Service/istio-system/x')?.uid).toBe('u-1');
    expect(again.inventoryKey().equals(store.inventoryKey())).toBe(true);
    expect(readdirSync(join(dir, 'members')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('tightens a directory others can read', async () => {
    const dir = tempDir();
    (await import('node:fs')).chmodSync(dir, 0o755);
    await StateStore.open(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('a truncated member file fails open with its name; nothing is loaded', async () => {
    const dir = tempDir();
    const store = await StateStore.open(dir);
    await store.putMember(east);
    const path = join(dir, 'members', 'east.json');
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 40));
    await expect(StateStore.open(dir)).rejects.toThrow(`state file ${path} is damaged`);
  });

  it('a record under the wrong file name is damaged', async () => {
    const dir = tempDir();
    await StateStore.open(dir);
    writeFileSync(join(dir, 'members', 'west.json'), encodeStateFile(east));
    await expect(StateStore.open(dir)).rejects.toThrow(/not a member record for west/);
  });

  it('read-only: a missing directory is an empty memory and nothing is created', async () => {
    const dir = join(tempDir(), 'absent');
    const store = await StateStore.open(dir, { readOnly: true });
    expect(store.members()).toEqual([]);
    await expect(store.putMember(east)).rejects.toThrow(/read-only/);
    expect(() => statSync(dir)).toThrow();
  });

  it('renames move the journal; removals forget the member', async () => {
    const dir = tempDir();
    const store = await StateStore.open(dir);
    await store.putMember(east);
    await store.record('east', 'secrets', new Map([['k', { ref: { apiVersion: 'v1', kind: 'Secret', name: 'k' }, uid: 'u' }]]));
    await store.renameJournal('east', 'east-2');
    await store.removeMember('east');
    const again = await StateStore.open(dir);
    expect(again.members()).toEqual([]);
    expect(again.journal('east', 'secrets').size).toBe(0);
    expect(again.journal('east-2', 'secrets').get('k')?.uid).toBe('u');
    await again.forget('east-2', 'secrets', ['k']);
    expect(readdirSync(join(dir, 'journal'))).toEqual([]);
  });
});

const ref = (name: string): JournalEntry['ref'] => ({ apiVersion: 'v1', kind: 'Secret', namespace: 'app-1', name });

describe('onlySettlesPending (which journal records may wait for the next write)', () => {
  const pending = { a: { ref: ref('a') } };
  const settled = { a: { ref: ref('a'), uid: 'u-a' } };
  it.each([
    ['a UID for a pending entry', pending, [['a', { ref: ref('a'), uid: 'u-a' }]], true],
    ['a new pending entry (write-ahead of a create)', {}, [['a', { ref: ref('a') }]], false],
    ['a UID for a key the journal does not hold (the migration rule)', {}, [['a', { ref: ref('a'), uid: 'u-a' }]], false],
    ['a new UID over a recorded one (a re-create)', settled, [['a', { ref: ref('a'), uid: 'u-b' }]], false],
    ['a pending entry over a recorded one', settled, [['a', { ref: ref('a') }]], false],
    ['a UID for a pending entry of another object', pending, [['a', { ref: ref('b'), uid: 'u-a' }]], false],
    [
      'one deferrable entry and one that is not',
      pending,
      [
        ['a', { ref: ref('a'), uid: 'u-a' }],
        ['b', { ref: ref('b') }],
      ],
      false,
    ],
  ] as const)('%s: %s', (_what, current, entries, expected) => {
    expect(onlySettlesPending(current, new Map(entries as unknown as [string, JournalEntry][]))).toBe(expected);
  });
});

describe('StateStore: deferred writes', () => {
  const owner = 'release/istio-remote';
  const onDisk = async (dir: string): Promise<ReadonlyMap<string, JournalEntry>> => (await StateStore.open(dir)).journal('east', owner);

  it('a pending entry is on disk when record resolves; its UID only after the next write or flush', async () => {
    const dir = tempDir();
    const store = await StateStore.open(dir);
    await store.record('east', owner, new Map([['a', { ref: ref('a') }]]));
    expect((await onDisk(dir)).get('a')).toEqual({ ref: ref('a') });
    await store.record('east', owner, new Map([['a', { ref: ref('a'), uid: 'u-a' }]]));
    expect(store.journal('east', owner).get('a')?.uid).toBe('u-a');
    expect((await onDisk(dir)).get('a')).toEqual({ ref: ref('a') });
    await store.record('east', owner, new Map([['b', { ref: ref('b') }]]));
    expect([...(await onDisk(dir))]).toEqual([
      ['a', { ref: ref('a'), uid: 'u-a' }],
      ['b', { ref: ref('b') }],
    ]);
    await store.record('east', owner, new Map([['b', { ref: ref('b'), uid: 'u-b' }]]));
    await store.flush();
    expect((await onDisk(dir)).get('b')?.uid).toBe('u-b');
  });

  it('a deferred credential record is written by flush', async () => {
    const dir = tempDir();
    const store = await StateStore.open(dir);
    const record = {
      cluster: 'east',
      kind: 'token-request' as const,
      serviceAccount: 'meshd-pilot-reader',
      namespace: 'istio-system',
      binding: { namespace: 'istio-system', name: 'meshd-pilot-reader-1', uid: 'u-1' },
      token: 't',
      caPem: 'ca',
      issuedAt: '2026-12-02T00:00:00.000Z',
      retiring: [],
    };
    await store.credentials.put(record);
    await store.credentials.put({ ...record, publishedAt: '2026-12-02T00:00:01.000Z' }, { deferred: true });
    expect((await StateStore.open(dir)).credentials.get('east')?.publishedAt).toBeUndefined();
    await store.flush();
    expect((await StateStore.open(dir)).credentials.get('east')?.publishedAt).toBe('2026-12-02T00:00:01.000Z');
  });

  it('at every step the disk knows every object memory does (write-ahead kept); after flush it holds what memory holds', async () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('create' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ op: fc.constant('created' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ op: fc.constant('forget' as const), key: fc.constantFrom('a', 'b', 'c') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 8 }), async (ops) => {
        const dir = tempDir();
        const store = await StateStore.open(dir);
        let n = 0;
        for (const { op: what, key } of ops) {
          const current = store.journal('east', owner).get(key);
          if (what === 'create') await store.record('east', owner, new Map([[key, { ref: ref(key) }]]));
          else if (what === 'forget') await store.forget('east', owner, [key]);
          else if (current !== undefined && current.uid === undefined) await store.record('east', owner, new Map([[key, { ref: ref(key), uid: `u-${n++}` }]]));
          const disk = await onDisk(dir);
          for (const [k, entry] of store.journal('east', owner)) expect(disk.get(k)?.ref ?? 'unknown on disk').toEqual(entry.ref);
        }
        await store.flush();
        expect([...(await onDisk(dir))]).toEqual([...store.journal('east', owner)]);
      }),
      { numRuns: 25 },
    );
  });
});
