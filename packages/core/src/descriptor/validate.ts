import { resolveAccessConfig, type KubeconfigVerdict } from './access-config.js';
import { ANNOTATIONS } from './annotations.js';
import { crossFileFindings } from './cross-file.js';
import { hasErrors, sortFindings, START_OF_FILE, warningAt, type Finding } from './finding.js';
import { isDescriptorFileName, MAX_REGISTRY_BYTES, type DirectorySnapshot } from './snapshot.js';
import { toValidCluster } from './valid-cluster.js';
import { istiodKubeconfigFindings } from './istiod-usable.js';
import { formatBytes, readDescriptorFile, unusableDescriptorFile, type DescriptorFile } from './validate-file.js';
import type { ClusterDocument } from './validate-document.js';
import type { DirectoryValidation, ValidCluster } from './types.js';

const directoryError = (message: string): Finding => ({ file: '', line: 0, col: 0, severity: 'error', message });

/** Options of validateDirectory. */
export interface ValidateDirectoryOptions {
  /**
   * How the registry is published (meshd.yaml `registry.mode`). Only the `configmap` mode (the
   * default) puts every file in one ConfigMap, so only it limits the directory to 1 MiB in total;
   * the `secrets` mode writes one Secret per remote, each under the per-file limit.
   */
  registryMode?: 'configmap' | 'secrets';
  /**
   * meshd.yaml `credentials.mode`. With `operator` the registry publishes the operator's kubeconfigs
   * as they are, so each one that would be published gets a warning for what a current istiod
   * refuses in it (exec plugins, auth providers, file paths). Default `minted`: nothing to warn about.
   */
  credentialsMode?: 'minted' | 'operator';
  /**
   * The registered backends' names (backends and renderers of the pass's plugins): a descriptor's
   * `meshd.io/backend` annotation must name one. Undefined: any plugin name (syntax only).
   */
  backends?: readonly string[];
}

/**
 * Validates a directory snapshot: every descriptor file, the kubeconfigs they name, and the
 * directory as a whole (istio-0.8.md §1). A descriptor-named entry that is not a regular file of
 * the directory (snapshot.unusable) is an invalid file, so its clusters keep their last good version. Pure and deterministic; never throws, whatever the bytes.
 */
export function validateDirectory(snapshot: DirectorySnapshot, options: ValidateDirectoryOptions = {}): DirectoryValidation {
  try {
    const validation = validateSnapshot(snapshot, options.registryMode ?? 'configmap', options.backends);
    return options.credentialsMode === 'operator' ? withIstiodWarnings(validation, options.registryMode ?? 'configmap') : validation;
  } catch (err) {
    const message = `internal error while validating (a meshd bug): ${err instanceof Error ? err.message : String(err)}`;
    return finish({ findings: [directoryError(message)], clusters: [], invalidFiles: [], directoryErrors: [directoryError(message)], registryFiles: {} });
  }
}

/** Warnings for every kubeconfig the registry would publish that a current istiod cannot use. */
function withIstiodWarnings(validation: DirectoryValidation, registryMode: 'configmap' | 'secrets'): DirectoryValidation {
  const published = validation.clusters.filter((c) => registryMode === 'configmap' || c.role === 'remote');
  const files = new Map(published.map((c) => [c.accessConfigFile, c.kubeconfigText]));
  const warnings = [...files].flatMap(([file, text]) => istiodKubeconfigFindings(file, text));
  return warnings.length === 0 ? validation : { ...validation, findings: sortFindings([...validation.findings, ...warnings]) };
}

function validateSnapshot(snapshot: DirectorySnapshot, registryMode: 'configmap' | 'secrets', backends: readonly string[] | undefined): DirectoryValidation {
  if (snapshot.problem !== undefined) {
    const problem = directoryError(snapshot.problem);
    return finish({ findings: [problem], clusters: [], invalidFiles: [], directoryErrors: [problem], registryFiles: {} });
  }
  const files = withLargeNamedKubeconfigs(readDescriptorFiles(snapshot, backends));
  const descriptorFiles = files.filter((f) => !f.isKubeconfig);
  const documents = descriptorFiles.flatMap((f) => f.clusters);
  const cross = crossFileFindings(
    documents,
    descriptorFiles.some((f) => f.opaque),
  );
  const findings: Finding[] = [...files.flatMap((f) => f.findings), ...documents.flatMap((d) => d.findings), ...cross.fileFindings];

  const invalid = new Set(findings.filter((f) => f.severity === 'error').map((f) => f.file));
  const { candidates, verdicts } = resolveDocuments(documents, snapshot, findings, invalid);
  findings.push(...unreferencedKubeconfigs(files, verdicts));

  const clusters = [...candidates].filter(([file]) => !invalid.has(file)).flatMap(([, list]) => list);
  const registryFiles = registryContent(clusters, descriptorFiles);
  const directoryErrors = [...cross.directoryErrors, ...(registryMode === 'configmap' ? registryLimit(registryFiles) : [])];
  return finish({ findings: [...findings, ...directoryErrors], clusters, invalidFiles: [...invalid], directoryErrors, registryFiles });
}

/** Every descriptor file of the snapshot (usable or not), read on its own, sorted by name. */
function readDescriptorFiles(snapshot: DirectorySnapshot, backends: readonly string[] | undefined): DescriptorFile[] {
  return [...Object.keys(snapshot.files), ...Object.keys(snapshot.unusable)]
    .filter(isDescriptorFileName)
    .sort()
    .map((name) => {
      const unusable = snapshot.unusable[name];
      if (unusable !== undefined) return unusableDescriptorFile(name, unusable);
      return readDescriptorFile(name, snapshot.files[name] ?? { bytes: new Uint8Array(), size: 0, mode: 0 }, snapshot.maxFileBytes, backends);
    });
}

/**
 * Resolves each valid document's kubeconfig: the clusters that resolved, by file, and the verdict on
 * each kubeconfig. Adds resolution findings, then each kubeconfig's own, to `findings`, and marks files
 * with a document that did not resolve or a kubeconfig with errors in `invalid`.
 */
function resolveDocuments(
  documents: readonly ClusterDocument[],
  snapshot: DirectorySnapshot,
  findings: Finding[],
  invalid: Set<string>,
): { candidates: Map<string, ValidCluster[]>; verdicts: Map<string, KubeconfigVerdict> } {
  const verdicts = new Map<string, KubeconfigVerdict>();
  const candidates = new Map<string, ValidCluster[]>();
  for (const document of documents) {
    const cluster = resolveCluster(document, snapshot, verdicts, findings);
    if (cluster === undefined) invalid.add(document.file);
    else candidates.set(document.file, [...(candidates.get(document.file) ?? []), cluster]);
  }
  for (const [name, verdict] of verdicts) {
    findings.push(...verdict.findings);
    if (hasErrors(verdict.findings)) invalid.add(name);
  }
  return { candidates, verdicts };
}

/**
 * A `.yaml` file too large for a descriptor is fine when a descriptor names it as its kubeconfig
 * (kubeconfigs may use the whole per-file limit): it becomes a kubeconfig file, checked as such.
 */
function withLargeNamedKubeconfigs(files: readonly DescriptorFile[]): DescriptorFile[] {
  const named = new Set(files.flatMap((f) => f.clusters.map((c) => c.descriptor?.metadata.annotations[ANNOTATIONS.accessConfigFile])));
  return files.map((f) =>
    f.overDescriptorLimit === true && named.has(f.file) ? { file: f.file, findings: [], clusters: [], isKubeconfig: true, opaque: false } : f,
  );
}

function resolveCluster(
  document: ClusterDocument,
  snapshot: DirectorySnapshot,
  verdicts: Map<string, KubeconfigVerdict>,
  findings: Finding[],
): ValidCluster | undefined {
  const descriptor = document.descriptor;
  if (descriptor === undefined || hasErrors(document.findings)) return undefined;
  const name = descriptor.metadata.annotations['config.istio.io/accessConfigFile'];
  const resolution = resolveAccessConfig(document, name, snapshot, verdicts);
  findings.push(...resolution.findings);
  const verdict = resolution.kubeconfig?.verdict;
  if (verdict?.text === undefined || verdict.server === undefined) return undefined;
  return toValidCluster(document, descriptor, { text: verdict.text, server: verdict.server });
}

function unreferencedKubeconfigs(files: readonly DescriptorFile[], verdicts: ReadonlyMap<string, KubeconfigVerdict>): Finding[] {
  return files
    .filter((f) => f.isKubeconfig && !verdicts.has(f.file))
    .map((f) => warningAt(f.file, START_OF_FILE, 'this kubeconfig is not named by any descriptor (config.istio.io/accessConfigFile): it is ignored'));
}

function registryContent(clusters: readonly ValidCluster[], files: readonly DescriptorFile[]): Record<string, string> {
  const texts = new Map(files.map((f) => [f.file, f.text ?? '']));
  const content: Record<string, string> = {};
  for (const c of clusters) {
    content[c.file] = texts.get(c.file) ?? c.descriptorText;
    content[c.accessConfigFile] = c.kubeconfigText;
  }
  return content;
}

function registryLimit(registryFiles: Record<string, string>): Finding[] {
  const encoder = new TextEncoder();
  const total = Object.entries(registryFiles).reduce((sum, [key, text]) => sum + key.length + encoder.encode(text).length, 0);
  if (total <= MAX_REGISTRY_BYTES) return [];
  return [
    directoryError(
      `the registry would hold ${formatBytes(total)} of descriptors and kubeconfigs, over the ${formatBytes(MAX_REGISTRY_BYTES)} a ConfigMap can hold (registry.mode: secrets has no such limit)`,
    ),
  ];
}

/** Puts a verdict in its final order: findings by file:line:col, clusters by name, files sorted. */
function finish(parts: Omit<DirectoryValidation, 'valid'>): DirectoryValidation {
  const { findings, clusters, invalidFiles, directoryErrors, registryFiles } = parts;
  const sorted = sortFindings(findings);
  return {
    findings: sorted,
    clusters: [...clusters].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    invalidFiles: [...new Set(invalidFiles)].filter((f) => f !== '').sort(),
    directoryErrors: sortFindings(directoryErrors),
    registryFiles,
    valid: !hasErrors(sorted),
  };
}
