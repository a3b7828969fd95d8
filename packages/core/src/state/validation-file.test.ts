import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordingLogger, sampleDirectory, sampleKubeconfig, type RecordingLogger } from '@meshd/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotFromContents, type MemoryFile } from '../descriptor/memory-snapshot.js';
import { snapshotDigest, storableValidation } from '../descriptor/kept-validation.js';
import { validateDirectoryOnce, validationOptionsKey } from '../descriptor/shared-validation.js';
import type { DirectorySnapshot } from '../descriptor/snapshot.js';
import { validateDirectory, type ValidateDirectoryOptions } from '../descriptor/validate.js';
import {
  encodeValidationFile,
  keepValidation,
  MAX_VALIDATION_FILE_BYTES,
  recallValidation,
  VALIDATION_FILE,
  validationFileKey,
  type KeptValidationAccess,
} from './validation-file.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'meshd-validation-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const stateKey = Buffer.alloc(32, 7);
const options: ValidateDirectoryOptions = { registryMode: 'configmap', backends: ['helm-template', 'tiller'] };
/** A fresh snapshot object of `files` each call: what a new CLI run reads. */
const snapshotOf = (files: Record<string, MemoryFile> = sampleDirectory()): DirectorySnapshot =>
  snapshotFromContents(files, { dir: '/etc/meshd/multicluster' });

function accessTo(dir: string, over: Partial<KeptValidationAccess> = {}): KeptValidationAccess & { log: RecordingLogger } {
  const log = recordingLogger();
  return { dir, stateKey, build: '0.1.0+0123456789ab', logger: log, log, ...over };
}

/** A run that validated `files` and kept the verdict. */
async function kept(dir: string, files?: Record<string, MemoryFile>): Promise<void> {
  const snapshot = snapshotOf(files);
  await keepValidation(accessTo(dir), snapshot, options, validateDirectory(snapshot, options));
}

const lines = (log: RecordingLogger, level: 'warn' | 'debug'): string[] => log.entries.filter((e) => e.level === level).map((e) => e.msg ?? '');

describe('the directory validation kept across CLI runs', () => {
  it('is kept (0600, no file content in it) and used by the next run on the same files', async () => {
    const dir = tempDir();
    await kept(dir);
    const path = join(dir, VALIDATION_FILE);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).not.toContain('placeholder-token');
    const snapshot = snapshotOf();
    const access = accessTo(dir);
    expect(await recallValidation(access, snapshot, options)).toBe(true);
    expect(lines(access.log, 'warn')).toEqual([]);
    expect(JSON.stringify(validateDirectoryOnce(snapshot, options))).toBe(JSON.stringify(validateDirectory(snapshot, options)));
  });

  it('is what the next run then has, without validating: a verdict the file vouches for is taken as it is', async () => {
    // A file written with the state directory's key holding another verdict (only meshd can write one):
    // the run uses it, which is what makes the file worth keeping, and why it is authenticated.
    const dir = tempDir();
    const snapshot = snapshotOf();
    const stored = storableValidation(validateDirectory(snapshot, options), snapshot)!;
    const marked = { ...stored, findings: [{ file: 'east.yaml', line: 1, col: 1, severity: 'warning' as const, message: 'kept, not validated' }] };
    const key = { build: '0.1.0+0123456789ab', options: validationOptionsKey(options), digest: snapshotDigest(snapshot) };
    writeFileSync(join(dir, VALIDATION_FILE), encodeValidationFile(validationFileKey(stateKey), key, marked));
    const next = snapshotOf();
    expect(await recallValidation(accessTo(dir), next, options)).toBe(true);
    expect(validateDirectoryOnce(next, options).findings.map((f) => f.message)).toEqual(['kept, not validated']);
  });

  it.each([
    ['one byte of a kubeconfig changed', { ...sampleDirectory(), 'east.kube.conf': sampleKubeconfig('east', 'https://127.0.0.2:6443') }],
    ['a file added', { ...sampleDirectory(), 'north.yaml': '# nothing yet\n' }],
    ['a kubeconfig made readable by others', { ...sampleDirectory(), 'east.kube.conf': { content: sampleKubeconfig('east'), mode: 0o644 } }],
  ])('is not used when %s: the run validates', async (_what, files) => {
    const dir = tempDir();
    await kept(dir);
    const access = accessTo(dir);
    const snapshot = snapshotOf(files);
    expect(await recallValidation(access, snapshot, options)).toBe(false);
    expect(lines(access.log, 'debug')).toEqual([expect.stringMatching(/the directory or the options changed/)]);
    expect(validateDirectoryOnce(snapshot, options)).toEqual(validateDirectory(snapshot, options));
  });

  it('is not used with other options, or by another build', async () => {
    const dir = tempDir();
    await kept(dir);
    expect(await recallValidation(accessTo(dir), snapshotOf(), { ...options, registryMode: 'secrets' })).toBe(false);
    const other = accessTo(dir, { build: '0.1.1+ba9876543210' });
    expect(await recallValidation(other, snapshotOf(), options)).toBe(false);
    expect(lines(other.log, 'debug')).toEqual([expect.stringMatching(/another build/)]);
  });

  it('is neither kept nor used without a build (meshd from the repository) or without a state key', async () => {
    const dir = tempDir();
    const snapshot = snapshotOf();
    await keepValidation(accessTo(dir, { build: undefined }), snapshot, options, validateDirectory(snapshot, options));
    await keepValidation(accessTo(dir, { stateKey: Buffer.alloc(0) }), snapshot, options, validateDirectory(snapshot, options));
    expect(() => statSync(join(dir, VALIDATION_FILE))).toThrow(/ENOENT/);
    await kept(dir);
    expect(await recallValidation(accessTo(dir, { build: undefined }), snapshotOf(), options)).toBe(false);
  });

  it('is not kept for an invalid directory', async () => {
    const dir = tempDir();
    await kept(dir, { ...sampleDirectory(), 'west.yaml': 'kind: Cluster\n' });
    expect(() => statSync(join(dir, VALIDATION_FILE))).toThrow(/ENOENT/);
  });

  it.each([
    ['edited', (path: string): void => writeFileSync(path, readFileSync(path, 'utf8').replace('"remote"', '"control-plane"')), /MAC does not match/],
    ['truncated', (path: string): void => truncateSync(path, 40), /not JSON/],
    ['empty', (path: string): void => writeFileSync(path, ''), /empty/],
    ['huge (sparse, never read)', (path: string): void => truncateSync(path, MAX_VALIDATION_FILE_BYTES + 1), /larger than/],
    ['a FIFO (must not hang)', (path: string): void => (rmSync(path), void execFileSync('mkfifo', [path])), /not a regular file/],
    ['a symbolic link', (path: string): void => (rmSync(path), symlinkSync('/etc/hostname', path)), /cannot be read: ELOOP/],
    ['a directory', (path: string): void => (rmSync(path), mkdirSync(path)), /not a regular file/],
    ['another JSON document', (path: string): void => writeFileSync(path, '{"format":"meshd-directory-validation/v1"}'), /not a kept validation/],
  ])('a file %s is a warning and a full validation, never an error', async (_what, spoil, why) => {
    const dir = tempDir();
    await kept(dir);
    spoil(join(dir, VALIDATION_FILE));
    const access = accessTo(dir);
    const snapshot = snapshotOf();
    expect(await recallValidation(access, snapshot, options)).toBe(false);
    expect(lines(access.log, 'warn')).toEqual([expect.stringMatching(why)]);
    expect(validateDirectoryOnce(snapshot, options)).toEqual(validateDirectory(snapshot, options));
  });

  it('a file written under another state directory key is not used', async () => {
    const dir = tempDir();
    await kept(dir);
    const access = accessTo(dir, { stateKey: Buffer.alloc(32, 8) });
    expect(await recallValidation(access, snapshotOf(), options)).toBe(false);
    expect(lines(access.log, 'warn')).toEqual([expect.stringMatching(/MAC does not match/)]);
  });

  it('a MAC-valid file whose references do not fit the files is a warning, not a verdict', async () => {
    const dir = tempDir();
    const snapshot = snapshotOf();
    const stored = storableValidation(validateDirectory(snapshot, options), snapshot)!;
    const broken = { ...stored, clusters: stored.clusters.map((c) => ({ ...c, kubeconfig: [c.accessConfigFile, 0, 1_000_000] })) };
    const key = { build: '0.1.0+0123456789ab', options: validationOptionsKey(options), digest: snapshotDigest(snapshot) };
    writeFileSync(join(dir, VALIDATION_FILE), encodeValidationFile(validationFileKey(stateKey), key, broken));
    const access = accessTo(dir);
    expect(await recallValidation(access, snapshotOf(), options)).toBe(false);
    expect(lines(access.log, 'warn')).toEqual([expect.stringMatching(/does not fit the directory/)]);
  });

  it('a write that fails is a warning, not an error', async () => {
    const dir = tempDir();
    const access = accessTo(join(dir, 'gone'));
    const snapshot = snapshotOf();
    await expect(keepValidation(access, snapshot, options, validateDirectory(snapshot, options))).resolves.toBeUndefined();
    expect(lines(access.log, 'warn')).toEqual([expect.stringMatching(/not kept \(ENOENT\)/)]);
  });
});
