import { createHash } from 'node:crypto';
import * as z from 'zod';
import { decodeText, type DirectorySnapshot } from './snapshot.js';
import type { DirectoryValidation, ValidCluster } from './types.js';

/**
 * A directory validation in a form that can be kept on disk without any file's content: every text
 * a validation carries (a cluster's kubeconfig and descriptor document, the registry's files) is a
 * reference to where it sits in a file of the snapshot (`[file, start, end]` of the file's decoded
 * text). Restoring it against the same snapshot gives the validation back exactly; a kubeconfig's
 * credentials are never written anywhere by it. Plain JSON data.
 */
export interface StoredValidation {
  findings: DirectoryValidation['findings'];
  clusters: StoredCluster[];
  registryFiles: Record<string, TextRef>;
}

/** A text of the snapshot: the file it is in, and its start and end in the file's decoded text. */
export type TextRef = [file: string, start: number, end: number];

/** A ValidCluster with its two texts as references. */
export type StoredCluster = Omit<ValidCluster, 'kubeconfigText' | 'descriptorText'> & { kubeconfig: TextRef; descriptor: TextRef };

/**
 * SHA-256 (hex) of everything validation reads from a snapshot: the directory as named, the size
 * limit, every file's name, size, mode, flags and content, what was skipped or unusable and why, and
 * the directory's own problem. Two snapshots with the same digest validate the same (validation is
 * pure over the snapshot and its options). Pure.
 */
export function snapshotDigest(snapshot: DirectorySnapshot): string {
  const hash = createHash('sha256');
  const sorted = <T>(record: Record<string, T>): [string, T][] => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hash.update(JSON.stringify([snapshot.dir, snapshot.maxFileBytes, sorted(snapshot.skipped), sorted(snapshot.unusable), snapshot.problem ?? null]));
  for (const [name, file] of sorted(snapshot.files)) {
    hash.update(`\0${JSON.stringify([name, file.size, file.mode, file.tooLarge ?? false, file.readError ?? null, file.bytes.length])}\0`);
    hash.update(file.bytes);
  }
  return hash.digest('hex');
}

/** The decoded text of each file of a snapshot, decoded at most once. */
class SnapshotTexts {
  private readonly texts = new Map<string, string | undefined>();

  constructor(private readonly snapshot: DirectorySnapshot) {}

  of(file: string): string | undefined {
    if (!this.texts.has(file)) {
      const entry = Object.hasOwn(this.snapshot.files, file) ? this.snapshot.files[file] : undefined;
      this.texts.set(file, entry ? decodeText(entry.bytes) : undefined);
    }
    return this.texts.get(file);
  }
}

/** Where `text` is in `file`'s decoded text; undefined when it is not there. */
function refTo(texts: SnapshotTexts, file: string, text: string): TextRef | undefined {
  const start = texts.of(file)?.indexOf(text) ?? -1;
  return start < 0 ? undefined : [file, start, start + text.length];
}

/** The text a reference names; undefined when the file or the range is not there. */
function textAt(texts: SnapshotTexts, [file, start, end]: TextRef): string | undefined {
  const text = texts.of(file);
  return text === undefined || start < 0 || end < start || end > text.length ? undefined : text.slice(start, end);
}

function storedCluster(texts: SnapshotTexts, cluster: ValidCluster): StoredCluster | undefined {
  const { kubeconfigText, descriptorText, ...rest } = cluster;
  const kubeconfig = refTo(texts, cluster.accessConfigFile, kubeconfigText);
  const descriptor = refTo(texts, cluster.file, descriptorText);
  return kubeconfig && descriptor ? { ...rest, kubeconfig, descriptor } : undefined;
}

/**
 * `validation` (of `snapshot`) as a StoredValidation; undefined when it is not worth keeping or
 * cannot be kept exactly: a directory with errors (a command stops on it anyway), a text that is
 * not found in the file it comes from, or anything that would not restore to the same JSON. Pure.
 */
export function storableValidation(validation: DirectoryValidation, snapshot: DirectorySnapshot): StoredValidation | undefined {
  if (!validation.valid || validation.invalidFiles.length > 0 || validation.directoryErrors.length > 0) return undefined;
  const texts = new SnapshotTexts(snapshot);
  const clusters: StoredCluster[] = [];
  for (const cluster of validation.clusters) {
    const stored = storedCluster(texts, cluster);
    if (!stored) return undefined;
    clusters.push(stored);
  }
  const registryFiles: Record<string, TextRef> = {};
  for (const [file, text] of Object.entries(validation.registryFiles)) {
    const ref = refTo(texts, file, text);
    if (!ref) return undefined;
    registryFiles[file] = ref;
  }
  const stored: StoredValidation = { findings: validation.findings, clusters, registryFiles };
  // Kept only when it restores to exactly this validation, as JSON would carry it (no value JSON drops or changes).
  const restored = restoredValidation(JSON.parse(JSON.stringify(stored)), snapshot);
  return restored !== undefined && JSON.stringify(restored) === JSON.stringify(validation) ? stored : undefined;
}

const textRef = z.tuple([z.string(), z.int().nonnegative(), z.int().nonnegative()]);
const storedSchema = z.strictObject({
  findings: z.array(
    z.strictObject({
      file: z.string(),
      line: z.int(),
      col: z.int(),
      severity: z.enum(['error', 'warning']),
      message: z.string(),
      field: z.string().optional(),
    }),
  ),
  clusters: z.array(
    z.strictObject({
      name: z.string(),
      file: z.string(),
      role: z.enum(['control-plane', 'remote']),
      pilotEndpoint: z.string(),
      platform: z.string(),
      accessConfigFile: z.string(),
      server: z.string(),
      annotations: z.record(z.string(), z.string()),
      // The descriptor's spec as validation produced it (its schema is the descriptor's; the MAC vouches for it).
      spec: z.record(z.string(), z.unknown()).optional(),
      kubeconfig: textRef,
      descriptor: textRef,
    }),
  ),
  registryFiles: z.record(z.string(), textRef),
});

/**
 * The validation a StoredValidation holds, its texts read from `snapshot` (which must be the
 * snapshot it was stored from: the caller checks the digest); undefined when `stored` is not of
 * this shape or a reference does not fit the snapshot. Pure.
 */
export function restoredValidation(stored: unknown, snapshot: DirectorySnapshot): DirectoryValidation | undefined {
  const parsed = storedSchema.safeParse(stored);
  if (!parsed.success) return undefined;
  const texts = new SnapshotTexts(snapshot);
  const clusters: ValidCluster[] = [];
  for (const c of parsed.data.clusters) {
    const kubeconfigText = textAt(texts, c.kubeconfig);
    const descriptorText = textAt(texts, c.descriptor);
    if (kubeconfigText === undefined || descriptorText === undefined) return undefined;
    // The fields in toValidCluster's order, so the restored cluster serialises as the validated one did.
    const { name, file, role, pilotEndpoint, platform, accessConfigFile, server, annotations, spec } = c;
    const cluster: ValidCluster = { name, file, role, pilotEndpoint, platform, accessConfigFile, kubeconfigText, server, descriptorText, annotations };
    if (spec !== undefined) cluster.spec = spec;
    clusters.push(cluster);
  }
  const registryFiles: Record<string, string> = {};
  for (const [file, ref] of Object.entries(parsed.data.registryFiles)) {
    const text = ref[0] === file ? textAt(texts, ref) : undefined;
    if (text === undefined) return undefined;
    registryFiles[file] = text;
  }
  const findings = parsed.data.findings.map(({ field, ...f }) => (field === undefined ? f : { ...f, field }));
  return { findings, clusters, invalidFiles: [], directoryErrors: [], registryFiles, valid: true };
}
