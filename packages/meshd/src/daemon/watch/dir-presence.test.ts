import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { presenceChange, readDirectoryIdentity, type DirectoryIdentity } from './dir-presence.js';

const dirA: DirectoryIdentity = { present: true, realpath: '/srv/v1', dev: 1, ino: 10, birthtimeMs: 5 };
const missing: DirectoryIdentity = { present: false, problem: 'does not exist' };

describe('presenceChange', () => {
  it.each([
    ['the same directory', dirA, { ...dirA }, undefined],
    ['still missing', missing, { present: false, problem: 'is not a directory' }, undefined],
    ['removed', dirA, missing, 'gone'],
    ['restored', missing, dirA, 'back'],
    ['a symlink swapped to another target', dirA, { ...dirA, realpath: '/srv/v2', ino: 11 }, 'replaced'],
    ['restored under the same path (new inode)', dirA, { ...dirA, ino: 12 }, 'replaced'],
    ['a filesystem mounted over it', dirA, { ...dirA, dev: 2, ino: 2 }, 'replaced'],
    ['the same inode number reused by a new directory', dirA, { ...dirA, birthtimeMs: 9 }, 'replaced'],
  ] as const)('%s', (_what, before, after, want) => {
    expect(presenceChange(before, after)).toBe(want);
  });
});

describe('readDirectoryIdentity', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'meshd-presence-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('names the directory a symlink leads to, and says why a path is unusable', async () => {
    await mkdir(join(root, 'v1'));
    await symlink(join(root, 'v1'), join(root, 'current'));
    await writeFile(join(root, 'file'), 'x');
    await symlink(join(root, 'loop'), join(root, 'loop'));
    const current = await readDirectoryIdentity(join(root, 'current'));
    expect(current.present && current.realpath).toBe(join(root, 'v1'));
    expect(await readDirectoryIdentity(join(root, 'nothing'))).toEqual({ present: false, problem: 'does not exist' });
    expect(await readDirectoryIdentity(join(root, 'file'))).toEqual({ present: false, problem: 'is not a directory' });
    expect(await readDirectoryIdentity(join(root, 'loop'))).toEqual({ present: false, problem: 'is a symlink loop' });
  });
});
