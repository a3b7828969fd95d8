import { setMaxListeners } from 'node:events';
import { MeshdError } from '../errors.js';
import { appsApi, coreApi, ObjectApi, versionApi } from './apis.js';
import type { AppsApi, CoreApi, VersionApi } from './apis.js';
import { authFor } from './auth.js';
import { KubeHttp } from './http.js';
import { readKubeconfig } from './kubeconfig-view.js';
import type { KubeconfigView } from './kubeconfig-view.js';
import { watchTransportFor } from './http2-watch.js';
import type { WatchTransport } from './http2-watch.js';
import { displayServer } from './display.js';
import { Http2RequestConnection } from './http2-request-connection.js';
import type { StreamSender } from './http2-request.js';
import { apiStatusOf } from './failure.js';

/**
 * One connection to one cluster, built from its kubeconfig text, over meshd's own request layer
 * (http.ts: tokens, client certificates, CA data and files and impersonation are applied by
 * auth.ts; exec plugins, auth-providers and http(s) CONNECT proxies by @kubernetes/client-node,
 * loaded only for such a kubeconfig). Requests reuse keep-alive connections and one TLS context, watches share one HTTP/2
 * connection (http2-watch.ts), requests may go as HTTP/2 streams too (an option), at most 4 requests are in flight (request-limit.ts), and every
 * request carries a timeout and the caller's AbortSignal. The typed calls (`core`, `apps`,
 * `version`, `objects`) keep client-node's names and parameters (apis.ts). The client holds no
 * cluster state: callers own caching and retries.
 */
export interface ClusterClient {
  /** The cluster's name in the mesh. */
  readonly name: string;
  /** API server URL from the kubeconfig, without any user:password in it (safe to show). */
  readonly server: string;
  /** The kubeconfig's current context, cluster and user, and its text. */
  readonly kubeConfig: KubeconfigView;
  /** core/v1 calls. */
  readonly core: CoreApi;
  /** apps/v1 calls. */
  readonly apps: AppsApi;
  /** GET /version. */
  readonly version: VersionApi;
  /** Generic object API (server-side apply, read, delete of any kind). */
  readonly objects: ObjectApi;
  /** Starts watch requests; they share one HTTP/2 connection to the cluster when it speaks HTTP/2 (http2-watch.ts). */
  readonly watches: WatchTransport;
}

/** Options for connectCluster. */
export interface ConnectOptions {
  name: string;
  kubeconfigText: string;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  /** Aborts every request in flight (daemon shutdown). */
  signal?: AbortSignal;
  /**
   * Send requests on the HTTP/2 connection the cluster's watches hold (opening it when none is),
   * where the server speaks HTTP/2: a daemon then holds one TLS connection per cluster for its
   * watches and its passes (off in the daemon: its latency, daemon.ts). It failed at scale before cancelUnfinished
   * (http2-request.ts): every answered stream was reset, and a node:http2 server ends a connection
   * after ~1 000 resets (bench/RESULTS.md, h46, h53, "Stream resets").
   */
  requestsOnWatchConnection?: boolean;
  /**
   * Send requests as streams of one HTTP/2 connection of the client's own, kept open (unreferenced)
   * between a pass's waves of requests to the cluster (http2-request-connection.ts), where the server
   * speaks HTTP/2: one TLS connection per cluster for a pass, where keep-alive HTTP/1.1 opened ~8 per
   * remote at 300 clusters (bench:scale, h52). On in the one-shot pass (pass/run.ts).
   */
  requestsOnOwnConnection?: boolean;
}

/** Reads a kubeconfig from text; a kubeconfig without a usable current context is MESHD_ERR_INVALID_KUBECONFIG. */
export function loadKubeConfig(name: string, kubeconfigText: string): KubeconfigView {
  return readKubeconfig(name, kubeconfigText);
}

/** The sender of a client's requests on an HTTP/2 connection of its own (made on the first request), when asked for and the server is HTTPS. */
function ownConnection(opts: ConnectOptions, server: string): (() => StreamSender) | undefined {
  if (opts.requestsOnOwnConnection !== true || !server.startsWith('https://')) return undefined;
  let connection: Http2RequestConnection | undefined;
  return () => (connection ??= new Http2RequestConnection(new URL(server))).send;
}

/** Builds a ClusterClient. Makes no request: reachability is checked by the caller. */
export function connectCluster(opts: ConnectOptions): ClusterClient {
  // Every request in flight (queued ones too) listens on the caller's signal: hundreds of clusters
  // would pass Node's default of 10 listeners and log a false "memory leak" warning.
  if (opts.signal) setMaxListeners(0, opts.signal);
  const kc = loadKubeConfig(opts.name, opts.kubeconfigText);
  const server = kc.cluster.server;
  const auth = authFor(kc);
  let transport: WatchTransport | undefined;
  const watches = (): WatchTransport => (transport ??= watchTransportFor(kc, auth));
  const streams = opts.requestsOnWatchConnection === true ? () => watches().send : ownConnection(opts, server);
  const http = new KubeHttp({ server, auth, timeoutMs: opts.timeoutMs ?? 10_000, signal: opts.signal, streams });
  return {
    name: opts.name,
    server: displayServer(server),
    kubeConfig: kc,
    core: coreApi(http),
    apps: appsApi(http),
    version: versionApi(http),
    objects: new ObjectApi(http, kc.namespace ?? 'default'),
    // Made on first use: a one-shot command never watches.
    get watches(): WatchTransport {
      return watches();
    },
  };
}

/** HTTP status of a failed Kubernetes call, or undefined when no response came (network, timeout). */
export function httpStatusOf(err: unknown): number | undefined {
  return apiStatusOf(err);
}

/** True when the error means "the object does not exist". */
export function isNotFound(err: unknown): boolean {
  return httpStatusOf(err) === 404;
}

/** True when the error means no usable answer came from the API server (refused, reset, timeout, 5xx). */
export function isUnreachable(err: unknown): boolean {
  const status = httpStatusOf(err);
  if (status === undefined) return !(err instanceof MeshdError) || err.code === 'MESHD_ERR_TIMEOUT' || err.code === 'MESHD_ERR_UNREACHABLE';
  return status >= 500 && status !== 501;
}
