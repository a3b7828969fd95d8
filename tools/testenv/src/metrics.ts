/** Verb label values kube-apiserver's apiserver_request_total uses for requests that write. */
export const WRITE_VERBS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION']);

/** Which apiserver_request_total samples to count. */
export interface RequestFilter {
  /** Only these resources (e.g. ["configmaps"]); all when absent. */
  resources?: string[];
  /** Only these write verbs (e.g. ["DELETE"]); every write verb when absent. */
  verbs?: string[];
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    if (match[1] !== undefined && match[2] !== undefined) labels.set(match[1], match[2]);
  }
  return labels;
}

/** Sum of apiserver_request_total over write verbs in a Prometheus text exposition. */
export function sumWriteRequests(metricsText: string, filter: RequestFilter = {}): number {
  let total = 0;
  for (const line of metricsText.split('\n')) {
    const match = /^apiserver_request_total\{(.*)\}\s+(\S+)/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const labels = parseLabels(match[1]);
    if (!WRITE_VERBS.has(labels.get('verb') ?? '')) continue;
    if (filter.verbs && !filter.verbs.includes(labels.get('verb') ?? '')) continue;
    if (filter.resources && !filter.resources.includes(labels.get('resource') ?? '')) continue;
    total += Number(match[2]);
  }
  return total;
}
