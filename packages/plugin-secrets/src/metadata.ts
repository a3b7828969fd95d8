import { MANAGED_BY_LABEL } from '@meshd/core/kube';

/** Label on every copy this plugin writes; it lists them for pruning and removal. */
export const COMPONENT_LABEL = 'meshd.io/component';
/** Value of COMPONENT_LABEL on secret copies. */
export const COMPONENT_VALUE = 'secrets';
/** Annotation naming a copy's source: `<cluster>/<namespace>/<name>`. */
export const SOURCE_ANNOTATION = 'meshd.io/source';
/** Annotation holding the sha256 of the source's type and data (never the data itself). */
export const SOURCE_HASH_ANNOTATION = 'meshd.io/source-hash';

/** The label selector matching every copy meshd owns on a remote. */
export const OWNED_COPIES_SELECTOR = `${MANAGED_BY_LABEL}=meshd,${COMPONENT_LABEL}=${COMPONENT_VALUE}`;

/** Key prefixes (the part before `/`) that belong to Kubernetes or to meshd, never copied. */
function isReservedKey(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return false;
  const prefix = key.slice(0, slash);
  return (
    prefix === 'kubernetes.io' ||
    prefix.endsWith('.kubernetes.io') ||
    prefix === 'k8s.io' ||
    prefix.endsWith('.k8s.io') ||
    prefix === 'meshd.io' ||
    prefix.endsWith('.meshd.io')
  );
}

/**
 * Pure: the labels or annotations of a source worth carrying to a copy. Drops keys owned by
 * Kubernetes (`kubernetes.io/*`, `*.kubernetes.io/*`, `k8s.io`): among them
 * `kubectl.kubernetes.io/last-applied-configuration`, which may hold the secret's data in clear.
 * Drops meshd's own keys too (a copy gets fresh ones).
 */
export function filterMetadata(entries: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(entries ?? {}).sort()) {
    const value = entries?.[key];
    if (value !== undefined && !isReservedKey(key)) out[key] = value;
  }
  return out;
}
