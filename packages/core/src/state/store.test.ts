import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import { decodeStateFile, encodeStateFile } from './state-file.js';
import { StateStore, type MemberRecord } from './store.js';

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
