/** Minimal shape of a Kubernetes object as meshd renders, plans and applies it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Label every object meshd writes carries. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Value of MANAGED_BY_LABEL on meshd's objects. */
export const MANAGED_BY_VALUE = 'meshd';
/** Annotation holding the hash of what meshd applied to an object. */
export const APPLIED_HASH_ANNOTATION = 'meshd.io/applied-hash';
/** Server-side apply field manager meshd uses for everything it owns. */
export const FIELD_MANAGER = 'meshd';

/** A stable identity for an object: `group/version Kind namespace/name` without the version. */
export function objectKey(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  const ns = obj.metadata.namespace ?? '';
  return `${group}/${obj.kind}/${ns}/${obj.metadata.name}`;
}
