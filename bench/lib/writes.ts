// Write requests a tool made to real test clusters, from each kube-apiserver's
// apiserver_request_total: write verbs on the resources meshd and the manual script write, status
// subresources left out (those are kube-controller-manager's), counted once the clusters settled.
import { request } from 'node:https';
import type { ClusterHandle } from '@meshd/testenv';
import { WRITE_VERBS } from '@meshd/testenv';

/** Resources either tool writes. */
export const WRITTEN_RESOURCES: ReadonlySet<string> = new Set([
  'configmaps',
  'secrets',
  'services',
  'endpoints',
  'serviceaccounts',
  'clusterroles',
  'clusterrolebindings',
  'deployments',
  'namespaces',
]);

function getMetrics(cluster: ClusterHandle): Promise<string> {
  const ca = cluster.kubeConfig().getCurrentCluster()?.caData;
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/metrics', cluster.server),
      {
        headers: { authorization: `Bearer ${cluster.token}` },
        ...(ca ? { ca: Buffer.from(ca, 'base64').toString('utf8') } : { rejectUnauthorized: false }),
        agent: false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`GET /metrics: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The value of one apiserver_request_total line when it counts a write to WRITTEN_RESOURCES (no subresource), else 0. */
function writesOnLine(line: string): number {
  const m = /^apiserver_request_total\{(.*)\}\s+(\S+)/.exec(line);
  if (!m?.[1] || !m[2]) return 0;
  const labels = new Map([...m[1].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1] ?? '', x[2] ?? '']));
  if (!WRITE_VERBS.has(labels.get('verb') ?? '') || !WRITTEN_RESOURCES.has(labels.get('resource') ?? '')) return 0;
  if ((labels.get('subresource') ?? '') !== '') return 0;
  return Number(m[2]);
}

/** Sum of write requests to WRITTEN_RESOURCES (status subresources excluded) in a metrics text. */
export function countWrites(metrics: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) total += writesOnLine(line);
  return total;
}

/** Write counts of every cluster now. */
export async function writesNow(clusters: readonly ClusterHandle[]): Promise<number[]> {
  return Promise.all(clusters.map(async (c) => countWrites(await getMetrics(c))));
}

/**
 * Waits until no cluster's count moved for `quietMs` (kube-controller-manager reacts to a new
 * namespace with a ServiceAccount and a ConfigMap), then returns the counts.
 */
export async function settledWrites(clusters: readonly ClusterHandle[], quietMs = 1500, timeoutMs = 60_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let last = await writesNow(clusters);
  for (;;) {
    await new Promise((r) => setTimeout(r, quietMs));
    const now = await writesNow(clusters);
    if (now.every((n, i) => n === last[i])) return now;
    if (Date.now() > deadline) throw new Error(`clusters kept writing: ${last.join(',')} → ${now.join(',')}`);
    last = now;
  }
}

/** Sum of per-cluster differences. */
export function totalDelta(before: readonly number[], after: readonly number[]): number {
  return after.reduce((sum, n, i) => sum + n - (before[i] ?? 0), 0);
}
