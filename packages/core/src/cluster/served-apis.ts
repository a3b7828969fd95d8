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
 * `/apis/GROUP/VERSION` per group version, all at once, through the client's own resource lookup). Answers are
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
    // Every group version is asked at once (the object API shares one lookup per group version): one round trip, not one per group.
    const answered = await Promise.all(unknown.map(async (a) => [apiKindKey(a.apiVersion, a.kind), await serves(client, a.apiVersion, a.kind)] as const));
    for (const [key, served] of answered) answers.set(key, served);
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

/**
 * Starts the object API's discovery of the core group (`v1`: Namespaces, Secrets, ConfigMaps,
 * Services…), which nearly every read and write a pass makes on a cluster needs, without waiting for
 * it: asked with the cluster's probe, it is no longer a round trip of its own before the first of
 * them. Once per client (the lookup is shared and cached); a failure is forgotten, and the next
 * lookup asks again and reports it.
 */
export function warmCoreDiscovery(client: ClusterClient): void {
  const lookup = client.objects as unknown as Partial<ResourceLookup> | undefined;
  lookup?.resource?.('v1', 'Namespace').catch(() => undefined);
}
