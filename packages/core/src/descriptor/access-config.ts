import { ANNOTATIONS } from './annotations.js';
import { errorAt, hasErrors, START_OF_FILE, warningAt, type Finding } from './finding.js';
import { validateKubeconfig } from './kubeconfig.js';
import { decodeText, describeUnusable, type DirectorySnapshot } from './snapshot.js';
import type { ClusterDocument } from './validate-document.js';
import { formatBytes } from './validate-file.js';

/** The verdict on one kubeconfig file, computed once however many descriptors name it. */
export interface KubeconfigVerdict {
  /** Findings located in the kubeconfig file itself (reported once). */
  findings: Finding[];
  /** Content and server when the kubeconfig is usable. */
  text?: string;
  server?: string;
}

/** The kubeconfig a descriptor names, resolved: findings on the descriptor's annotation, or the verdict. */
export interface AccessConfigResolution {
  /** Findings located at the descriptor's accessConfigFile annotation. */
  findings: Finding[];
  /** The named file's name and verdict, when it exists and could be read. */
  kubeconfig?: { name: string; verdict: KubeconfigVerdict };
}

/**
 * Resolves `config.istio.io/accessConfigFile` of a valid descriptor against the snapshot: the
 * file must be a regular, readable file inside the directory (not ignored, not a FIFO, directory or
 * symlink leading out, not too large) and a usable
 * kubeconfig. `verdicts` caches per-file verdicts across descriptors. Pure; never throws.
 */
export function resolveAccessConfig(
  cluster: ClusterDocument,
  name: string,
  snapshot: DirectorySnapshot,
  verdicts: Map<string, KubeconfigVerdict>,
): AccessConfigResolution {
  const where = cluster.doc.locate(['metadata', 'annotations', ANNOTATIONS.accessConfigFile]);
  const fail = (why: string): AccessConfigResolution => ({
    findings: [errorAt(cluster.file, where, `${ANNOTATIONS.accessConfigFile} names ${JSON.stringify(name)}, which ${why}`, ANNOTATIONS.accessConfigFile)],
  });
  const entry = snapshot.files[name];
  const skipped = snapshot.skipped[name];
  const unusable = snapshot.unusable[name];
  if (unusable !== undefined) return fail(describeUnusable(unusable));
  if (entry === undefined) return fail(skipped === undefined ? 'does not exist in the cluster directory' : `meshd does not read (${skipped})`);
  if (entry.tooLarge) return fail(`is ${formatBytes(entry.size)}, over the ${formatBytes(snapshot.maxFileBytes)} limit for one file`);
  if (entry.readError !== undefined) return fail(entry.readError);
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    verdict = kubeconfigVerdict(name, entry.bytes, entry.mode);
    verdicts.set(name, verdict);
  }
  return { findings: [], kubeconfig: { name, verdict } };
}

function kubeconfigVerdict(name: string, bytes: Uint8Array, mode: number): KubeconfigVerdict {
  const text = decodeText(bytes);
  if (text === undefined) return { findings: [errorAt(name, START_OF_FILE, 'kubeconfig is not UTF-8 text (binary content?)')] };
  const check = validateKubeconfig(name, text);
  const findings = [...check.findings];
  if ((mode & 0o077) !== 0) {
    const octal = `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
    findings.push(warningAt(name, START_OF_FILE, `kubeconfig is readable by group or others (mode ${octal}): it holds credentials, run chmod 600 ${name}`));
  }
  if (hasErrors(findings) || check.server === undefined) return { findings };
  return { findings, text, server: check.server };
}
