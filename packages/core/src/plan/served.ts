import { apiKindKey } from '../cluster/served-apis.js';
import type { ServedApis } from '../cluster/served-apis.js';
import { removedApi } from '../compat/removed-apis.js';
import { objectKey } from '../kube/object.js';
import type { KubeObject } from '../kube/object.js';

/** One rendered object the cluster cannot accept: its key and what the operator must read. */
export interface UnservedObject {
  key: string;
  kind: string;
  apiVersion: string;
  /** `KIND NS/NAME: APIVERSION is not served by CLUSTER (VERSION; removed in X); what to do`. */
  message: string;
}

/** The objects a cluster serves and those it cannot accept (a per-object finding each). */
export interface ServedSplit {
  served: KubeObject[];
  unserved: UnservedObject[];
}

/** The cluster a served check is about: its name and server version, for the message. */
export interface ServedCluster {
  name: string;
  version: string;
}

/** Pure: the finding for one object the cluster does not serve, with the hint the issue asks for. */
export function unservedMessage(obj: KubeObject, cluster: ServedCluster): string {
  const where = obj.metadata.namespace !== undefined ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name;
  const removal = removedApi(obj.apiVersion, obj.kind);
  const when = [cluster.version, removal ? `removed in ${removal.removedIn}` : ''].filter((s) => s !== '').join('; ');
  const hint = removal
    ? 'enable compat.convertRemovedApis or use a chart made for this Kubernetes version'
    : 'install what serves it (a CRD?) or use a chart made for this Kubernetes version';
  return `${obj.kind} ${where}: ${obj.apiVersion} is not served by ${cluster.name}${when ? ` (${when})` : ''}; ${hint}`;
}

/**
 * Pure: splits rendered objects into those the cluster serves and those it does not (`served` says,
 * see ServedApiCache). An object whose apiVersion/kind is missing from `served` counts as served: the
 * check only stops what discovery said no to. Order is kept.
 */
export function splitServed(objects: readonly KubeObject[], served: ServedApis, cluster: ServedCluster): ServedSplit {
  const split: ServedSplit = { served: [], unserved: [] };
  for (const obj of objects) {
    if (served.get(apiKindKey(obj.apiVersion, obj.kind)) === false) {
      split.unserved.push({ key: objectKey(obj), kind: obj.kind, apiVersion: obj.apiVersion, message: unservedMessage(obj, cluster) });
    } else {
      split.served.push(obj);
    }
  }
  return split;
}
