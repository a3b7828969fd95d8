import { isConfigMapKey } from './annotations.js';
import { errorAt, hasErrors, START_OF_FILE, type Finding } from './finding.js';
import { decodeText, describeUnusable, MAX_DESCRIPTOR_BYTES, type SnapshotFile, type UnusableEntry } from './snapshot.js';
import { looksLikeKubeconfig, validateClusterDocument, type ClusterDocument } from './validate-document.js';
import { parseYamlText } from './yaml-source.js';

/** One `.yaml`/`.yml` file of the directory, read as descriptors (or recognised as a kubeconfig). */
export interface DescriptorFile {
  file: string;
  /** Findings about the file itself (size, encoding, YAML syntax, emptiness). */
  findings: Finding[];
  /** Its Cluster documents, each with its own findings. */
  clusters: ClusterDocument[];
  /** True when the file is a kubeconfig (every document is one), not a descriptor. */
  isKubeconfig: boolean;
  /** True when the file could not be read far enough to know which clusters it meant to define. */
  opaque: boolean;
  /** The decoded content, when it is text. */
  text?: string;
  /** True when the file was not parsed because it is over MAX_DESCRIPTOR_BYTES (fine for a kubeconfig a descriptor names). */
  overDescriptorLimit?: boolean;
}

/** A size for messages: exact MiB/KiB when round, else bytes (so "over the limit" never reads 1.0 > 1.0). */
export function formatBytes(bytes: number): string {
  if (bytes > 0 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * A descriptor-named entry that is not a regular file of the directory (FIFO, directory, dangling
 * symlink, symlink out of the directory, stat failed): an error, and opaque, so the clusters it
 * defined before are kept (rule 2) rather than read as removed.
 */
export function unusableDescriptorFile(file: string, entry: UnusableEntry): DescriptorFile {
  const message = `file ${describeUnusable(entry)}: meshd keeps what it defined before (delete it to remove a cluster)`;
  return { file, findings: [errorAt(file, START_OF_FILE, message)], clusters: [], isKubeconfig: false, opaque: true };
}

/**
 * Reads one descriptor file of the snapshot: size limits, encoding, YAML, then each document as a
 * Cluster (or the whole file recognised as a kubeconfig). `backends`: the registered backends' names
 * (validateClusterDocument). Pure; never throws.
 */
export function readDescriptorFile(file: string, entry: SnapshotFile, maxFileBytes: number, backends?: readonly string[]): DescriptorFile {
  const refused = refusedBeforeParsing(file, entry, maxFileBytes);
  if (refused !== undefined) return refused;
  const text = decodeText(entry.bytes);
  if (text === undefined) return failedFile(file, 'file is not UTF-8 text (binary content?)');
  return parseDescriptorText(file, text, backends);
}

/** A file that is refused as a whole, with one error at its start. */
function failedFile(file: string, message: string): DescriptorFile {
  return { file, findings: [errorAt(file, START_OF_FILE, message)], clusters: [], isKubeconfig: false, opaque: true };
}

/** The refusal of a file too large or unreadable to parse, in that order; undefined when it may be parsed. */
function refusedBeforeParsing(file: string, entry: SnapshotFile, maxFileBytes: number): DescriptorFile | undefined {
  if (entry.tooLarge) return failedFile(file, `file is ${formatBytes(entry.size)}, over the ${formatBytes(maxFileBytes)} limit for one file`);
  if (entry.readError !== undefined) return failedFile(file, `file ${entry.readError}`);
  if (entry.size > MAX_DESCRIPTOR_BYTES) {
    const message = `file is ${formatBytes(entry.size)}, over the ${formatBytes(MAX_DESCRIPTOR_BYTES)} limit for a cluster descriptor (a kubeconfig that a descriptor names may have up to ${formatBytes(maxFileBytes)})`;
    return { ...failedFile(file, message), overDescriptorLimit: true };
  }
  return undefined;
}

/** Parses a descriptor file's text: the whole file as a kubeconfig, or each document as a Cluster. */
function parseDescriptorText(file: string, text: string, backends: readonly string[] | undefined): DescriptorFile {
  const parsed = parseYamlText(file, text);
  const findings = [...parsed.findings];
  if (!isConfigMapKey(file)) findings.push(errorAt(file, START_OF_FILE, "file name cannot be a ConfigMap key: use only letters, digits, '-', '_' and '.'"));
  const documents = parsed.documents;
  if (documents.length > 0 && documents.every((d) => looksLikeKubeconfig(d.value)))
    return { file, findings, clusters: [], isKubeconfig: true, opaque: false, text };
  const syntaxBroken = hasErrors(parsed.findings);
  if (documents.length === 0 && !syntaxBroken)
    findings.push(errorAt(file, START_OF_FILE, 'file is empty: it defines no cluster (delete the file to remove a cluster)'));
  const clusters = documents.map((doc) => validateClusterDocument(file, doc, backends));
  return { file, findings, clusters, isKubeconfig: false, opaque: syntaxBroken || documents.length === 0, text };
}
