import type { KubeObject } from '../kube/object.js';
import { ACCESS_CONFIG_FILE_ANNOTATION, DESCRIPTOR_ANNOTATION, DESCRIPTOR_FILE_ANNOTATION, REGISTRY_CONFIGMAP } from './desired.js';

/**
 * Pure: the directory files a published registry stands for, so the last good version of every
 * joined cluster (and the kubeconfig of a cluster whose files were deleted) can be recovered from
 * the control plane itself. Unreadable entries are skipped.
 */
export function filesFromRegistry(objects: readonly KubeObject[]): Record<string, string> {
  const files: Record<string, string> = {};
  for (const obj of objects) {
    if (obj.kind === 'ConfigMap' && obj.metadata.name === REGISTRY_CONFIGMAP) Object.assign(files, stringData(obj.data));
    if (obj.kind === 'Secret') addSecretEntry(files, obj);
  }
  return files;
}

function stringData(data: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (data === null || typeof data !== 'object') return out;
  for (const [k, v] of Object.entries(data)) if (typeof v === 'string') out[k] = v;
  return out;
}

function addSecretEntry(files: Record<string, string>, secret: KubeObject): void {
  const ann = secret.metadata.annotations ?? {};
  const file = ann[DESCRIPTOR_FILE_ANNOTATION];
  const kubeFile = ann[ACCESS_CONFIG_FILE_ANNOTATION];
  const descriptor = ann[DESCRIPTOR_ANNOTATION];
  const encoded = stringData(secret.data)[secret.metadata.name];
  if (!file || !kubeFile || descriptor === undefined || encoded === undefined) return;
  files[file] = files[file] ? `${files[file]}\n---\n${descriptor}` : descriptor;
  files[kubeFile] = Buffer.from(encoded, 'base64').toString('utf8');
}
