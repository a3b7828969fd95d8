import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '@meshd/core/kube';
import { contentHash } from '@meshd/core/plan';
import type { KubeObject } from '@meshd/core/kube';
import { COMPONENT_LABEL, COMPONENT_VALUE, SOURCE_ANNOTATION, SOURCE_HASH_ANNOTATION, filterMetadata } from './metadata.js';

/** A secret as observed on the control plane (data base64-encoded, as the API returns it). */
export interface SourceSecret {
  namespace: string;
  name: string;
  type: string;
  data: Record<string, string>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Namespace and name of Citadel's CA secret (copied only with `copyCaSecret`). */
export const CA_SECRET = { namespace: 'istio-system', name: 'istio-ca-secret' } as const;

/** Secret types that are never replicated by name or pattern. */
const NEVER_COPIED_TYPES: Readonly<Record<string, string>> = {
  'kubernetes.io/service-account-token': 'a service-account token is only valid in its own cluster',
  'bootstrap.kubernetes.io/token': 'a bootstrap token is only valid in its own cluster',
  'istio.io/ca-root': 'the CA key is copied only with copyCaSecret',
};

/**
 * Pure: why a source matched by name must not be copied, or undefined when it may be. Service-account
 * and bootstrap tokens, the CA secret (copyCaSecret handles it) and meshd's own objects (e.g. registry
 * secrets holding kubeconfigs) are never replicated to application namespaces.
 */
export function whyNotCopied(source: SourceSecret): string | undefined {
  const byType = NEVER_COPIED_TYPES[source.type];
  if (byType !== undefined) return byType;
  if (source.namespace === CA_SECRET.namespace && source.name === CA_SECRET.name) return NEVER_COPIED_TYPES['istio.io/ca-root'];
  if (source.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE) return 'it is an object meshd itself manages on the control plane';
  return undefined;
}

/** Pure: sha256 (hex) of a source's type and data: what decides whether a copy must be rewritten. */
export function sourceHash(source: Pick<SourceSecret, 'type' | 'data'>): string {
  return contentHash({ type: source.type, data: source.data });
}

/** `<cluster>/<namespace>/<name>` of a source. */
export function sourceId(cluster: string, source: Pick<SourceSecret, 'namespace' | 'name'>): string {
  return `${cluster}/${source.namespace}/${source.name}`;
}

/**
 * Pure: the copy of a source to write into the same namespace of a remote, before meshd's ownership
 * marks (planObjects adds them): data and type, filtered labels and annotations, and the source's
 * identity and hash. Nothing the server set on the source (uid, resourceVersion, owners…) is carried.
 */
export function desiredCopy(controlPlane: string, source: SourceSecret): KubeObject {
  const copy: KubeObject = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: source.name,
      namespace: source.namespace,
      labels: { ...filterMetadata(source.labels), [COMPONENT_LABEL]: COMPONENT_VALUE },
      annotations: {
        ...filterMetadata(source.annotations),
        [SOURCE_ANNOTATION]: sourceId(controlPlane, source),
        [SOURCE_HASH_ANNOTATION]: sourceHash(source),
      },
    },
    type: source.type,
  };
  // The API server omits an empty data map: asking for `{}` would look like drift forever.
  if (Object.keys(source.data).length > 0) copy.data = { ...source.data };
  return copy;
}

/** Pure: a live Secret (from any client call) reduced to the source shape. */
export function asSourceSecret(obj: {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  type?: string;
  data?: Record<string, string>;
}): SourceSecret {
  return {
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    type: obj.type ?? 'Opaque',
    data: { ...obj.data },
    labels: { ...obj.metadata?.labels },
    annotations: { ...obj.metadata?.annotations },
  };
}
