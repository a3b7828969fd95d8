import { createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import * as z from 'zod';
import { restoredValidation, snapshotDigest, storableValidation } from '../descriptor/kept-validation.js';
import { rememberValidation, validationOptionsKey } from '../descriptor/shared-validation.js';
import type { DirectorySnapshot } from '../descriptor/snapshot.js';
import type { DirectoryValidation } from '../descriptor/types.js';
import type { ValidateDirectoryOptions } from '../descriptor/validate.js';
import type { Logger } from '../plugin/types.js';
import { readCacheFile, writeFileAtomically, type CacheFileProblem } from './state-file.js';

/** The kept validation's file name in the state directory. */
export const VALIDATION_FILE = 'directory-validation.json';

/** Format marker of the file; another one (an older or newer meshd) is ignored, then rewritten. */
export const VALIDATION_FILE_FORMAT = 'meshd-directory-validation/v1';

/** The largest file read or written: it holds no file content, ~1 KiB per cluster, so 4 MiB is thousands of clusters. */
export const MAX_VALIDATION_FILE_BYTES = 4 * 1024 * 1024;

/**
 * What a kept validation is the verdict on: the build of meshd that validated (its rules), the
 * validation options, and the snapshot's digest (every file's name, mode and content). A kept
 * validation is used only when all three are the same.
 */
export interface ValidationKey {
  build: string;
  options: string;
  digest: string;
}

/** The key the file is authenticated with: derived from the state directory's 32-byte key, never that key itself. */
export function validationFileKey(stateKey: Buffer): Buffer {
  return createHmac('sha256', stateKey).update('meshd directory validation file v1').digest();
}

function macOf(fileKey: Buffer, keyJson: string, validationJson: string): string {
  return createHmac('sha256', fileKey).update(`${VALIDATION_FILE_FORMAT}\n${keyJson}\n${validationJson}`).digest('hex');
}

/** The file's text for `stored` under `key`, authenticated with `fileKey`. Pure. */
export function encodeValidationFile(fileKey: Buffer, key: ValidationKey, stored: unknown): string {
  const keyJson = JSON.stringify({ build: key.build, options: key.options, digest: key.digest });
  const json = JSON.stringify(stored);
  return `{"format":${JSON.stringify(VALIDATION_FILE_FORMAT)},"mac":"${macOf(fileKey, keyJson, json)}","key":${keyJson},"validation":${json}}\n`;
}

const envelopeSchema = z.looseObject({
  format: z.string(),
  mac: z.string(),
  key: z.strictObject({ build: z.string(), options: z.string(), digest: z.string() }),
  validation: z.unknown(),
});

/**
 * The key and the stored validation of a file's text, or why it is not used: too large, not JSON,
 * another format, or a MAC that does not match (edited, damaged, or written under another state
 * directory's key). Pure; never throws.
 */
export function decodeValidationFile(fileKey: Buffer, text: string): { key: ValidationKey; stored: unknown } | CacheFileProblem {
  if (text.length > MAX_VALIDATION_FILE_BYTES) return { problem: `larger than ${MAX_VALIDATION_FILE_BYTES} bytes`, severity: 'warn' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: text.length === 0 ? 'empty' : 'not JSON: truncated or overwritten', severity: 'warn' };
  }
  const envelope = envelopeSchema.safeParse(parsed);
  if (!envelope.success) return { problem: 'not a kept validation', severity: 'warn' };
  const { format, mac, key, validation } = envelope.data;
  if (format !== VALIDATION_FILE_FORMAT) return { problem: `another meshd's format (${format.slice(0, 40)})`, severity: 'debug' };
  const expected = macOf(fileKey, JSON.stringify({ build: key.build, options: key.options, digest: key.digest }), JSON.stringify(validation));
  if (mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
    return { problem: 'its MAC does not match: edited, damaged, or written with another state directory', severity: 'warn' };
  }
  return { key, stored: validation };
}

/** Where the kept validation of a state directory is, and what it is checked against. */
export interface KeptValidationAccess {
  /** The state directory. */
  dir: string;
  /** The state directory's own key (StateStore.inventoryKey()); empty when it has none yet: nothing is kept then. */
  stateKey: Buffer;
  /** The build of meshd running (version and commit of a clean build); undefined: nothing is kept or used. */
  build: string | undefined;
  logger: Logger;
}

/** The file's key for `snapshot` validated with `options` by `build`. Pure. */
function keyOf(build: string, snapshot: DirectorySnapshot, options: ValidateDirectoryOptions): ValidationKey {
  return { build, options: validationOptionsKey(options), digest: snapshotDigest(snapshot) };
}

/**
 * The one-shot CLI's directory validation kept across runs: when the state directory holds the
 * verdict this build gave on exactly this snapshot (every file the same) with these options, it is
 * restored and handed to validateDirectoryOnce for the snapshot, so the command skips parsing and
 * validating the directory again. The file holds no file content (texts are references into the
 * snapshot, see kept-validation.ts) and is authenticated like the facts file; a file that cannot be
 * used only costs the validation. Returns whether a kept validation was used.
 */
export async function recallValidation(access: KeptValidationAccess, snapshot: DirectorySnapshot, options: ValidateDirectoryOptions): Promise<boolean> {
  if (access.build === undefined || access.stateKey.length === 0) return false;
  const path = join(access.dir, VALIDATION_FILE);
  const unused = (problem: string, severity: 'debug' | 'warn'): false => {
    access.logger[severity]({ file: path }, `kept directory validation not used (${problem}): the directory is validated`);
    return false;
  };
  const read = await readCacheFile(path, MAX_VALIDATION_FILE_BYTES);
  if ('problem' in read) return unused(read.problem, read.severity);
  const decoded = decodeValidationFile(validationFileKey(access.stateKey), read.text);
  if ('problem' in decoded) return unused(decoded.problem, decoded.severity);
  const wanted = keyOf(access.build, snapshot, options);
  if (decoded.key.build !== wanted.build) return unused('kept by another build of meshd', 'debug');
  if (decoded.key.options !== wanted.options || decoded.key.digest !== wanted.digest) return unused('the directory or the options changed', 'debug');
  const validation = restoredValidation(decoded.stored, snapshot);
  if (!validation) return unused('it does not fit the directory', 'warn');
  rememberValidation(snapshot, options, validation);
  access.logger.debug({ file: path }, 'directory unchanged since an earlier run: its kept validation is used');
  return true;
}

/**
 * Keeps `validation` of `snapshot` (with `options`) for the next run, when it can be kept (see
 * storableValidation: a valid directory, every text found in its file). Never throws: a failure is a
 * warning, and the next run validates.
 */
export async function keepValidation(
  access: KeptValidationAccess,
  snapshot: DirectorySnapshot,
  options: ValidateDirectoryOptions,
  validation: DirectoryValidation,
): Promise<void> {
  if (access.build === undefined || access.stateKey.length === 0) return;
  const stored = storableValidation(validation, snapshot);
  if (!stored) return;
  const path = join(access.dir, VALIDATION_FILE);
  const text = encodeValidationFile(validationFileKey(access.stateKey), keyOf(access.build, snapshot, options), stored);
  try {
    if (Buffer.byteLength(text) > MAX_VALIDATION_FILE_BYTES)
      throw Object.assign(new Error('too large'), { code: `larger than ${MAX_VALIDATION_FILE_BYTES} bytes` });
    await writeFileAtomically(path, text, { durable: false });
  } catch (err) {
    const code = (err as { code?: string }).code ?? String(err);
    access.logger.warn({ file: path }, `directory validation not kept (${code}): the next run validates the directory`);
  }
}
