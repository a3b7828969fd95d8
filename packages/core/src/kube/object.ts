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

/** What identifies an object: enough to read or delete it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The reference of an object. */
export function refOf(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace !== undefined) ref.namespace = obj.metadata.namespace;
  return ref;
}

/** The key of a reference (same as objectKey of the object). */
export function refKey(ref: ObjectRef): string {
  return objectKey({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
}
