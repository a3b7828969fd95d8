import { Observable } from '@kubernetes/client-node';
import type { ConfigurationOptions, ObservableMiddleware, RequestContext, ResponseContext } from '@kubernetes/client-node';

/**
 * Per-call options that make one typed Kubernetes request (CoreV1Api, AppsV1Api, VersionApi…) also
 * honour `signal`, on top of the timeout and shutdown signal the ClusterClient already sets: the
 * middleware is appended, so both apply. Returns undefined without a signal (client defaults).
 * Per-call middleware of the typed APIs is the Observable kind in client-node 1.4.
 */
export function abortableCall(signal: AbortSignal | undefined): ConfigurationOptions | undefined {
  if (!signal) return undefined;
  const middleware: ObservableMiddleware = {
    pre: (ctx: RequestContext): Observable<RequestContext> => {
      const existing = ctx.getSignal();
      ctx.setSignal(existing ? AbortSignal.any([existing, signal]) : signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx: ResponseContext): Observable<ResponseContext> => new Observable(Promise.resolve(ctx)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}
