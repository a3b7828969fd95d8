/** Verb label values kube-apiserver's apiserver_request_total uses for requests that write. */
export const WRITE_VERBS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION']);

/** Which apiserver_request_total samples to count. */
export interface RequestFilter {
  /** Only these resources (e.g. ["configmaps"]); all when absent. */
  resources?: string[];
  /** Only these write verbs (e.g. ["DELETE"]); every write verb when absent. */
  verbs?: string[];
  /** Only these subresources (e.g. ["token"]; "" is the resource itself); any when absent. */
  subresources?: string[];
}

function parseLabels(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    if (match[1] !== undefined && match[2] !== undefined) labels.set(match[1], match[2]);
  }
  return labels;
}

function allowed(values: string[] | undefined, value: string | undefined): boolean {
  return values === undefined || values.includes(value ?? '');
}

/** True when a sample's labels are a write request the filter asks for. */
function matches(labels: Map<string, string>, filter: RequestFilter): boolean {
  return (
    WRITE_VERBS.has(labels.get('verb') ?? '') &&
    allowed(filter.verbs, labels.get('verb')) &&
    allowed(filter.resources, labels.get('resource')) &&
    allowed(filter.subresources, labels.get('subresource'))
  );
}

/** Sum of apiserver_request_total over write verbs in a Prometheus text exposition. */
export function sumWriteRequests(metricsText: string, filter: RequestFilter = {}): number {
  return sumSamples(metricsText, 'apiserver_request_total', (labels) => matches(labels, filter));
}

/** Which apiserver_request_total samples `sumRequests` counts: any verb unless narrowed. */
export interface AnyRequestFilter {
  /** Only these verbs (e.g. ["LIST"]); every verb when absent. */
  verbs?: string[];
  /** Only these resources (e.g. ["pods"]); all when absent. */
  resources?: string[];
}

/** Sum of one metric's samples whose labels pass `keep`, in a Prometheus text exposition. */
function sumSamples(metricsText: string, metric: string, keep: (labels: Map<string, string>) => boolean): number {
  const sample = new RegExp(`^${metric}\\{(.*)\\}\\s+(\\S+)`);
  let total = 0;
  for (const line of metricsText.split('\n')) {
    const match = sample.exec(line);
    if (!match?.[1] || !match[2]) continue;
    if (keep(parseLabels(match[1]))) total += Number(match[2]);
  }
  return total;
}

/** Whether a sample's labels pass an AnyRequestFilter. */
function anyRequest(filter: AnyRequestFilter): (labels: Map<string, string>) => boolean {
  return (labels) => allowed(filter.verbs, labels.get('verb')) && allowed(filter.resources, labels.get('resource'));
}

/** Sum of apiserver_request_total over every verb (reads included) the filter lets through. */
export function sumRequests(metricsText: string, filter: AnyRequestFilter = {}): number {
  return sumSamples(metricsText, 'apiserver_request_total', anyRequest(filter));
}

/**
 * Sum of apiserver_longrunning_requests (long-running requests open now: watches, as the request
 * counter records a request only when it ends) the filter lets through.
 */
export function sumOpenRequests(metricsText: string, filter: AnyRequestFilter = {}): number {
  return sumSamples(metricsText, 'apiserver_longrunning_requests', anyRequest(filter));
}
