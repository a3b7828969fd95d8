// SIMULATION (benchmarks only): a watch request: newline-delimited JSON events over one long
// response, from the requested resourceVersion, until timeoutSeconds or the client goes away.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResourceRoute } from './routes.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import type { ClusterStore } from './store.js';

const DEFAULT_TIMEOUT_S = 1800;

/** One watch request: the HTTP exchange, the store it follows and what it asked for. */
export interface WatchRequest {
  req: IncomingMessage;
  res: ServerResponse;
  store: ClusterStore;
  route: ResourceRoute;
  url: URL;
}

/** Streams events matching the route and selectors; ends with a 410 ERROR event when too old. */
export function serveWatch({ req, res, store, route, url }: WatchRequest): void {
  // No content-length: HTTP/1.1 sends it chunked, HTTP/2 as DATA frames.
  res.writeHead(200, { 'content-type': 'application/json' });
  const labels = labelMatcher(url.searchParams.get('labelSelector'));
  const fields = fieldMatcher(url.searchParams.get('fieldSelector'));
  const rvParam = url.searchParams.get('resourceVersion');
  const fromRv = rvParam === null || rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
  const stop = store.watch(
    {
      plural: route.res.plural,
      namespace: route.res.namespaced ? route.namespace : undefined,
      match: (o) => labels(o) && fields(o),
      send: (e) => res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`),
    },
    fromRv,
  );
  if (stop === 'expired') {
    res.end(
      `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'too old resource version' } })}\n`,
    );
    return;
  }
  const seconds = Number(url.searchParams.get('timeoutSeconds') ?? DEFAULT_TIMEOUT_S);
  const timer = setTimeout(() => res.end(), seconds * 1000);
  const finish = (): void => {
    clearTimeout(timer);
    stop();
  };
  req.on('close', finish);
  res.on('close', finish);
}
