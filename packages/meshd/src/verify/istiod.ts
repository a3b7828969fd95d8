import { failed, judgeIstiod, type CheckResult, type ClusterzEntry } from './checks.js';

/** Where istiod's cluster list is: `debugUrl` itself when it names /debug/clusterz, else that path under it. */
export function clusterzUrl(debugUrl: string): string {
  const base = debugUrl.trim().replace(/\/+$/, '');
  return base.endsWith('/debug/clusterz') ? base : `${base}/debug/clusterz`;
}

/** Pure: the entries of a /debug/clusterz answer, or why it is not one. */
export function parseClusterz(body: string): ClusterzEntry[] | { invalid: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { invalid: 'it is not JSON' };
  }
  if (!Array.isArray(parsed)) return { invalid: 'it is not a JSON array' };
  const entries = parsed.filter((e): e is ClusterzEntry => typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string');
  return entries;
}

/**
 * The istiod-sync check of every remote: skipped without `istiod.debugUrl`; else one GET of
 * /debug/clusterz (5 s) judged by judgeIstiod. A failed request fails every remote's check.
 */
export async function istiodChecks(debugUrl: string, remotes: readonly string[], fetchImpl: typeof fetch): Promise<CheckResult[]> {
  if (debugUrl.trim() === '') return [{ check: 'istiod-sync', result: 'skipped', detail: 'skipped: no istiod.debugUrl in meshd.yaml' }];
  const url = clusterzUrl(debugUrl);
  let body: string;
  try {
    const res = await fetchImpl(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
    body = await res.text();
    if (!res.ok) return remotes.map((r) => failed('istiod-sync', r, `GET ${url} answered HTTP ${res.status}`, 'MESHD_ERR_UNREACHABLE'));
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err instanceof Error ? err.message : String(err));
    return remotes.map((r) => failed('istiod-sync', r, `cannot reach istiod at ${url}: ${cause}`, 'MESHD_ERR_UNREACHABLE'));
  }
  const entries = parseClusterz(body);
  if (!Array.isArray(entries)) return remotes.map((r) => failed('istiod-sync', r, `${url} did not answer a cluster list: ${entries.invalid}`));
  return judgeIstiod(remotes, entries);
}
