import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasCode } from '../errors.js';
import type { CredentialRecord } from './credential-records.js';
import { encodeStateFile } from './state-file.js';
import { StateStore } from './store.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'meshd-creds-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const east: CredentialRecord = {
  cluster: 'east',
  kind: 'token-request',
  serviceAccount: 'reader',
  namespace: 'istio-system',
  binding: { namespace: 'istio-system', name: 'reader-abc', uid: 'u1' },
  token: 'a.b.c',
  caPem: 'PEM',
  issuedAt: '2026-12-01T00:00:00.000Z',
  expiresAt: '2026-12-02T00:00:00.000Z',
  retiring: [],
};

describe('credential records in the state directory', () => {
  it('survive a restart, in 0600 files; a rename moves the record; remove forgets it', async () => {
    const dir = tempDir();
    const store = await StateStore.open(dir);
    await store.credentials.put(east);
    expect(statSync(join(dir, 'credentials', 'east.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'credentials')).mode & 0o777).toBe(0o700);
    const again = await StateStore.open(dir);
    expect(again.credentials.get('east')).toEqual(east);
    await again.renameJournal('east', 'east-2');
    expect(again.credentials.get('east')).toBeUndefined();
    expect((await StateStore.open(dir)).credentials.get('east-2')).toEqual({ ...east, cluster: 'east-2' });
    await again.credentials.remove('east-2');
    expect((await StateStore.open(dir)).credentials.all()).toEqual([]);
  });

  it('a damaged record is MESHD_ERR_STATE naming the file, and nothing loads', async () => {
    const dir = tempDir();
    await StateStore.open(dir);
    writeFileSync(join(dir, 'credentials', 'east.json'), encodeStateFile({ ...east, binding: 'nope' }));
    let caught: unknown;
    try {
      await StateStore.open(dir);
    } catch (err) {
      caught = err;
    }
    expect(hasCode(caught, 'MESHD_ERR_STATE')).toBe(true);
    expect(String(caught)).toContain(join(dir, 'credentials', 'east.json'));
  });
});
