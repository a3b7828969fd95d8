import type { ClusterClient } from './client.js';
import { httpStatusOf } from './client.js';

/** `apiVersion/kind` of an object, the key of ServedApis. */
export function apiKindKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/** What one cluster serves, as far as asked: `apiVersion/kind` → served. */
export type ServedApis = ReadonlyMap<string, boolean>;

interface CacheEntry {
  version: string;
  served: Map<string, boolean>;
}

/**
 * Discovery per cluster: whether the API server serves each asked `apiVersion`/`kind` (one GET of
 * `/apis/GROUP/VERSION` per group version, through the client's own resource lookup). Answers are
 * cached per cluster and dropped when the cluster reports another server version (an upgrade may
 * remove or add APIs). The owner (a backend, living as long as the daemon) owns the cache; callers
 * retry on errors other than "not served" (those propagate: unreachable, forbidden).
 */
export class ServedApiCache {
  private readonly clusters = new Map<string, CacheEntry>();

  /** Whether `client`'s cluster (at server `version`) serves each of `apiKinds` (`{ apiVersion, kind }`). */
  async check(client: ClusterClient, version: string, apiKinds: readonly { apiVersion: string; kind: string }[]): Promise<ServedApis> {
    let entry = this.clusters.get(client.name);
    if (entry?.version !== version) {
      entry = { version, served: new Map() };
      this.clusters.set(client.name, entry);
    }
    const answers = entry.served;
    const unknown = [...new Map(apiKinds.map((a) => [apiKindKey(a.apiVersion, a.kind), a])).values()].filter(
      (a) => !answers.has(apiKindKey(a.apiVersion, a.kind)),
    );
    for (const a of unknown) answers.set(apiKindKey(a.apiVersion, a.kind), await serves(client, a.apiVersion, a.kind));
    return new Map(apiKinds.map((a) => [apiKindKey(a.apiVersion, a.kind), answers.get(apiKindKey(a.apiVersion, a.kind)) === true]));
  }
}

/** The object API's discovery lookup (protected in its typings, public at runtime): caches per group version. */
interface ResourceLookup {
  resource(apiVersion: string, kind: string): Promise<{ kind: string } | undefined>;
}

async function serves(client: ClusterClient, apiVersion: string, kind: string): Promise<boolean> {
  try {
    return (await (client.objects as unknown as ResourceLookup).resource(apiVersion, kind)) !== undefined;
  } catch (err) {
    if (httpStatusOf(err) === 404) return false; // the group version itself is not served
    throw err;
  }
}
