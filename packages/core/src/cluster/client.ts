import { setMaxListeners } from 'node:events';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
} from '@kubernetes/client-node';
import type { Configuration, KubeConfig, Middleware, RequestContext, ResponseContext, SecurityAuthentication } from '@kubernetes/client-node';
import { MeshdError } from '../errors.js';
import { ConnectionReusingKubeConfig } from './agent.js';
import { limitedHttpLibrary, startDeadline } from './request-limit.js';
import { watchTransportFor } from './http2-watch.js';
import type { WatchTransport } from './http2-watch.js';
import { displayServer } from './display.js';
import { credentialFailure } from './failure.js';

/**
 * One connection to one cluster, built from its kubeconfig text (token, client certificate and exec
 * auth all come from @kubernetes/client-node). Requests reuse keep-alive connections and one TLS
 * context (agent.ts), watches share one HTTP/2 connection (http2-watch.ts), at most 4 requests are in flight (request-limit.ts), and every request
 * carries a timeout and the caller's AbortSignal. The client holds no cluster state: callers own
 * caching and retries.
 */
export interface ClusterClient {
  /** The cluster's name in the mesh. */
  readonly name: string;
  /** API server URL from the kubeconfig, without any user:password in it (safe to show). */
  readonly server: string;
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly version: VersionApi;
  /** Generic object API (server-side apply, read, delete of any kind). */
  readonly objects: KubernetesObjectApi;
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
}

function timeoutMiddleware(timeoutMs: number, signal: AbortSignal | undefined): Middleware {
  return {
    pre: (ctx: RequestContext): Promise<RequestContext> => {
      startDeadline(ctx, timeoutMs, signal);
      return Promise.resolve(ctx);
    },
    post: (ctx: ResponseContext): Promise<ResponseContext> => Promise.resolve(ctx),
  };
}

/** Loads a kubeconfig from text; a kubeconfig without a usable current context is a MeshdError. */
export function loadKubeConfig(name: string, kubeconfigText: string): KubeConfig {
  const kc = new ConnectionReusingKubeConfig();
  try {
    kc.loadFromString(kubeconfigText);
  } catch (err) {
    throw new MeshdError('MESHD_ERR_INVALID_KUBECONFIG', `cluster ${name}: kubeconfig cannot be loaded: ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster()) {
    throw new MeshdError('MESHD_ERR_INVALID_KUBECONFIG', `cluster ${name}: kubeconfig has no current cluster`);
  }
  return kc;
}

/** The generic object API with the kubeconfig's default namespace (the setter is protected). */
class ObjectApiWithNamespace extends KubernetesObjectApi {
  constructor(config: Configuration, kc: KubeConfig) {
    super(config);
    this.setDefaultNamespace(kc);
  }
}

/** The kubeconfig's credentials for each request; a credential source that fails says so (credentialFailure). */
function credentialsOf(kc: KubeConfig): SecurityAuthentication {
  return {
    getName: () => 'kubeconfig',
    applySecurityAuthentication: async (context: RequestContext): Promise<void> => {
      try {
        await kc.applySecurityAuthentication(context);
      } catch (err) {
        throw credentialFailure(kc, err);
      }
    },
  };
}

function configurationFor(kc: KubeConfig, server: string, timeoutMs: number, signal: AbortSignal | undefined): Configuration {
  return createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: credentialsOf(kc) },
    httpApi: limitedHttpLibrary(timeoutMs),
    promiseMiddleware: [timeoutMiddleware(timeoutMs, signal)],
  });
}

/** Builds a ClusterClient. Makes no request: reachability is checked by the caller. */
export function connectCluster(opts: ConnectOptions): ClusterClient {
  // Every request in flight (queued ones too) listens on the caller's signal: hundreds of clusters
  // would pass Node's default of 10 listeners and log a false "memory leak" warning.
  if (opts.signal) setMaxListeners(0, opts.signal);
  const kc = loadKubeConfig(opts.name, opts.kubeconfigText);
  const server = kc.getCurrentCluster()?.server ?? '';
  const config = configurationFor(kc, server, opts.timeoutMs ?? 10_000, opts.signal);
  const objects = new ObjectApiWithNamespace(config, kc);
  let transport: WatchTransport | undefined;
  return {
    name: opts.name,
    server: displayServer(server),
    kubeConfig: kc,
    core: new CoreV1Api(config),
    apps: new AppsV1Api(config),
    version: new VersionApi(config),
    objects,
    // Made on first use: a one-shot command never watches.
    get watches(): WatchTransport {
      transport ??= watchTransportFor(kc);
      return transport;
    },
  };
}

/** HTTP status of a failed Kubernetes call, or undefined when no response came (network, timeout). */
export function httpStatusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
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
