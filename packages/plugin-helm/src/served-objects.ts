import { convertRemovedApi } from '@meshd/core/compat';
import { splitServed } from '@meshd/core/plan';
import type { ClusterTarget } from '@meshd/core';
import type { KubeObject } from '@meshd/core/kube';
import type { ServedApiCache } from '@meshd/core/cluster';
import type { UnservedObject } from '@meshd/core/plan';

/** Rendered objects as one cluster can take them: what to apply, what it cannot serve, what was converted. */
export interface ServedObjects {
  objects: KubeObject[];
  unserved: UnservedObject[];
  /** One line per conversion (compat.convertRemovedApis), for plan and apply output. */
  conversions: string[];
}

/**
 * Checks every rendered object against what the cluster serves (ServedApiCache: discovery, cached
 * per cluster and server version) and, with `convert`, replaces those of removed API versions with
 * their conversion (convertRemovedApi, pure) when the cluster does not serve the original. Objects
 * still unserved are left out and returned as findings. Reads only (discovery).
 */
export async function servedObjects(cache: ServedApiCache, target: ClusterTarget, rendered: readonly KubeObject[], convert: boolean): Promise<ServedObjects> {
  const version = target.version ?? '';
  const original = await cache.check(target.client, version, rendered);
  const conversions: string[] = [];
  const candidates: KubeObject[] = [];
  for (const obj of rendered) {
    const conversion = convert && original.get(`${obj.apiVersion}/${obj.kind}`) === false ? convertRemovedApi(obj) : undefined;
    if (conversion === undefined) candidates.push(obj);
    else {
      conversions.push(conversion.note);
      if (conversion.object) candidates.push(conversion.object);
    }
  }
  const served = await cache.check(target.client, version, candidates);
  const split = splitServed(candidates, served, { name: target.name, version });
  return { objects: split.served, unserved: split.unserved, conversions };
}
