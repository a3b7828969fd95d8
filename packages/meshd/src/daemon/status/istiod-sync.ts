import { deadline } from '@meshd/core/util';

/** Largest /debug/clusterz answer read (istiod lists one small entry per cluster). */
const MAX_CLUSTERZ_BYTES = 1024 * 1024;

/** istiod's view of the registry: sync state per cluster ID, as /debug/clusterz reports it. */
export interface IstiodSync {
  url: string;
  /** ISO time of the read. */
  at: string;
  /** Cluster ID → syncStatus ("synced", "syncing", "timeout", …). */
  clusters: Record<string, string>;
  /** Why it could not be read. */
  error?: string;
}

/**
 * Pure: parses a /debug/clusterz body (untrusted: istiod wrote it) into cluster ID → syncStatus;
 * throws with a short reason when it is not a JSON array of `{ id, syncStatus }` entries.
 */
export function parseClusterz(body: string): Record<string, string> {
  if (body.length > MAX_CLUSTERZ_BYTES) throw new Error(`answer larger than ${MAX_CLUSTERZ_BYTES} bytes`);
  const parsed: unknown = JSON.parse(body);
  if (!Array.isArray(parsed)) throw new Error('answer is not a JSON array');
  const out: Record<string, string> = {};
  for (const entry of parsed as unknown[]) {
    const e = entry as { id?: unknown; syncStatus?: unknown } | null;
    if (e === null || typeof e !== 'object' || typeof e.id !== 'string' || typeof e.syncStatus !== 'string')
      throw new Error('an entry has no string id and syncStatus');
    out[e.id.slice(0, 253)] = e.syncStatus.slice(0, 64);
  }
  return out;
}

/** Reads istiod's /debug/clusterz (config `istiod.debugUrl`); never throws: a failure is in `error`. */
export async function readIstiodSync(url: string, signal?: AbortSignal): Promise<IstiodSync> {
  const at = new Date().toISOString();
  const limit = deadline(5000, signal);
  try {
    const res = await fetch(new URL('/debug/clusterz', url), { signal: limit.signal });
    if (!res.ok) return { url, at, clusters: {}, error: `HTTP ${res.status}` };
    return { url, at, clusters: parseClusterz(await res.text()) };
  } catch (err) {
    return { url, at, clusters: {}, error: err instanceof Error ? err.message : String(err) };
  } finally {
    limit.dispose();
  }
}
