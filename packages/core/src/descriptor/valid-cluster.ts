import { ANNOTATIONS, parseGoBool } from './annotations.js';
import type { ClusterDescriptor } from './cluster-schema.js';
import type { ValidCluster } from './types.js';
import type { ClusterDocument } from './validate-document.js';

/** Builds the ValidCluster of a document that passed every check, with its usable kubeconfig. */
export function toValidCluster(document: ClusterDocument, descriptor: ClusterDescriptor, kubeconfig: { text: string; server: string }): ValidCluster {
  const annotations = stringAnnotations(descriptor.metadata.annotations);
  const cluster: ValidCluster = {
    name: descriptor.metadata.name,
    file: document.file,
    role: parseGoBool(descriptor.metadata.annotations[ANNOTATIONS.pilotCfgStore]) === true ? 'control-plane' : 'remote',
    pilotEndpoint: descriptor.metadata.annotations[ANNOTATIONS.pilotEndpoint],
    platform: annotations[ANNOTATIONS.platform] ?? '',
    accessConfigFile: descriptor.metadata.annotations[ANNOTATIONS.accessConfigFile],
    kubeconfigText: kubeconfig.text,
    server: kubeconfig.server,
    descriptorText: document.doc.text,
    annotations,
  };
  if (descriptor.spec !== undefined && descriptor.spec !== null) cluster.spec = descriptor.spec;
  return cluster;
}

/** Annotation values as Kubernetes stores them: strings (YAML `true` becomes "true", null becomes ""). */
function stringAnnotations(annotations: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    result[key] = annotationText(value);
  }
  return result;
}

function annotationText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
