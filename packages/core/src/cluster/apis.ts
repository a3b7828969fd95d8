import type { AppsV1Api, CoreV1Api, KubernetesListObject, KubernetesObject, VersionInfo } from '@kubernetes/client-node';
import { KubeApiError } from './failure.js';
import type { KubeHttp, KubeRequest } from './http.js';

/**
 * Per-call options of the typed APIs: a signal that aborts this one call (on top of the client's
 * time limit and shutdown signal), and for a patch its content type (merge patch by default for an
 * object body, JSON patch for an array).
 */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  contentType?: string | undefined;
}

/** A typed call with the request and answer types of client-node's generated method `M` (types only: nothing of client-node is loaded). */
type Call<F> = F extends (param: infer P, ...rest: never[]) => infer R
  ? undefined extends P
    ? (param?: P, options?: CallOptions) => R
    : (param: P, options?: CallOptions) => R
  : never;

/** The CoreV1Api methods meshd (and its tests) call; each is one REST request (routeOf). */
const CORE_METHODS = [
  'readNamespace',
  'listNamespace',
  'createNamespace',
  'patchNamespace',
  'deleteNamespace',
  'listNode',
  'readNamespacedSecret',
  'listNamespacedSecret',
  'listSecretForAllNamespaces',
  'createNamespacedSecret',
  'replaceNamespacedSecret',
  'deleteNamespacedSecret',
  'patchNamespacedSecret',
  'readNamespacedConfigMap',
  'listNamespacedConfigMap',
  'listConfigMapForAllNamespaces',
  'createNamespacedConfigMap',
  'replaceNamespacedConfigMap',
  'deleteNamespacedConfigMap',
  'patchNamespacedConfigMap',
  'readNamespacedEndpoints',
  'listNamespacedEndpoints',
  'listEndpointsForAllNamespaces',
  'deleteNamespacedEndpoints',
  'replaceNamespacedEndpoints',
  'patchNamespacedEndpoints',
  'createNamespacedEndpoints',
  'readNamespacedPod',
  'listNamespacedPod',
  'listPodForAllNamespaces',
  'createNamespacedPod',
  'deleteNamespacedPod',
  'replaceNamespacedPodStatus',
  'readNamespacedService',
  'listNamespacedService',
  'listServiceForAllNamespaces',
  'createNamespacedService',
  'readNamespacedServiceAccount',
  'listNamespacedServiceAccount',
  'createNamespacedServiceAccount',
  'deleteNamespacedServiceAccount',
  'createNamespacedServiceAccountToken',
] as const;

/** The AppsV1Api methods meshd (and its tests) call. */
const APPS_METHODS = ['readNamespacedDeployment', 'listNamespacedDeployment', 'createNamespacedDeployment', 'replaceNamespacedDeployment'] as const;

/** The core/v1 calls, with client-node's request and answer types. */
export type CoreApi = { readonly [M in (typeof CORE_METHODS)[number]]: Call<CoreV1Api[M]> };
/** The apps/v1 calls, with client-node's request and answer types. */
export type AppsApi = { readonly [M in (typeof APPS_METHODS)[number]]: Call<AppsV1Api[M]> };
/** The API server's version. */
export interface VersionApi {
  getCode(param?: undefined, options?: CallOptions): Promise<VersionInfo>;
}

/** Resource names of the kinds the typed calls know: `Kind` → [API path prefix, plural]. */
const RESOURCES: Readonly<Record<string, readonly [string, string]>> = {
  Namespace: ['/api/v1', 'namespaces'],
  Node: ['/api/v1', 'nodes'],
  Secret: ['/api/v1', 'secrets'],
  ConfigMap: ['/api/v1', 'configmaps'],
  Endpoints: ['/api/v1', 'endpoints'],
  Pod: ['/api/v1', 'pods'],
  Service: ['/api/v1', 'services'],
  ServiceAccount: ['/api/v1', 'serviceaccounts'],
  Deployment: ['/apis/apps/v1', 'deployments'],
};

const VERBS = { read: 'GET', list: 'GET', create: 'POST', replace: 'PUT', delete: 'DELETE', patch: 'PATCH' } as const;
/** Subresources a method name may end with: `replaceNamespacedPodStatus`, `createNamespacedServiceAccountToken`. */
const SUBRESOURCES: Readonly<Record<string, string>> = { Status: 'status', Token: 'token' };
const METHOD_NAME = /^(read|list|create|replace|delete|patch)(Namespaced)?([A-Z][A-Za-z]*?)(Status|Token)?(ForAllNamespaces)?$/;

/** Parameters that are part of the path or the body; the rest go in the query. */
const NOT_QUERY = new Set(['name', 'namespace', 'body']);

type Param = Record<string, unknown>;

function queryOf(param: Param): Record<string, string | number | boolean | undefined> {
  const query: Record<string, string | number | boolean | undefined> = {};
  for (const [key, value] of Object.entries(param))
    if (!NOT_QUERY.has(key) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) query[key] = value;
  return query;
}

const seg = (v: unknown): string => encodeURIComponent(String(v));

/** The path of a parsed method name: collection, object, or subresource. Pure. */
function pathOfCall(
  parts: { verb: keyof typeof VERBS; namespaced: boolean; sub: string | undefined; resource: readonly [string, string] },
  param: Param,
): string {
  const [prefix, plural] = parts.resource;
  let path = parts.namespaced ? `${prefix}/namespaces/${seg(param.namespace)}/${plural}` : `${prefix}/${plural}`;
  if (parts.verb !== 'list' && (parts.verb !== 'create' || parts.sub)) path += `/${seg(param.name)}`;
  return parts.sub ? `${path}/${SUBRESOURCES[parts.sub] ?? ''}` : path;
}

/** The content type of a patch: the caller's, else JSON patch for an array body and merge patch for an object. Pure. */
function patchType(param: Param, options: CallOptions | undefined): string {
  return options?.contentType ?? (Array.isArray(param.body) ? 'application/json-patch+json' : 'application/merge-patch+json');
}

/** The REST request of a generated method name and its parameters: `readNamespacedSecret({ name, namespace })` → GET /api/v1/namespaces/NS/secrets/NAME. Pure. */
export function routeOf(method: string, param: Param, options: CallOptions | undefined): KubeRequest {
  const m = METHOD_NAME.exec(method);
  const resource = RESOURCES[m?.[3] ?? ''];
  if (!m || !resource) throw new Error(`no REST route for ${method}`);
  const verb = m[1] as keyof typeof VERBS;
  const path = pathOfCall({ verb, namespaced: m[2] !== undefined && m[5] === undefined, sub: m[4], resource }, param);
  const req: KubeRequest = { method: VERBS[verb], path, query: queryOf(param), body: param.body, signal: options?.signal };
  if (verb === 'patch') req.contentType = patchType(param, options);
  return req;
}

/** An object of typed calls, each one REST request through `http`. */
function callsOf<T>(http: KubeHttp, methods: readonly string[]): T {
  const calls: Record<string, (param?: Param, options?: CallOptions) => Promise<unknown>> = {};
  for (const method of methods) calls[method] = (param = {}, options) => http.request(routeOf(method, param, options));
  return calls as T;
}

/** The core/v1 calls over `http`. */
export function coreApi(http: KubeHttp): CoreApi {
  return callsOf<CoreApi>(http, CORE_METHODS);
}

/** The apps/v1 calls over `http`. */
export function appsApi(http: KubeHttp): AppsApi {
  return callsOf<AppsApi>(http, APPS_METHODS);
}

/** GET /version. */
export function versionApi(http: KubeHttp): VersionApi {
  return { getCode: (_param, options) => http.request<VersionInfo>({ method: 'GET', path: '/version', signal: options?.signal }) };
}

/** One resource of a group version's discovery document. */
export interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

/** An object named for a read or delete: apiVersion, kind, name and (namespaced kinds) namespace. */
export type ObjectSpec = KubernetesObject & { metadata: { name?: string; namespace?: string } };

/**
 * Calls on any kind (server-side apply, read, replace, create, delete, list). Each kind's resource name and scope come from
 * the API server's discovery document of its group version (one GET per group version, cached for
 * the client's life; a failed lookup is not cached). Objects without a namespace of a namespaced
 * kind go to the kubeconfig's namespace, else `default`.
 */
export class ObjectApi {
  private readonly discovery = new Map<string, Promise<ApiResource[]>>();

  constructor(
    private readonly http: KubeHttp,
    private readonly defaultNamespace: string,
  ) {}

  /** The resource of `kind` in `apiVersion`; undefined when the group version does not have it (a 404 when it is not served at all). */
  async resource(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    let known = this.discovery.get(apiVersion);
    if (!known) {
      known = this.http.request<{ resources?: ApiResource[] }>({ method: 'GET', path: groupPath(apiVersion) }).then(
        (d) => d.resources ?? [],
        (err: unknown) => {
          // The executor tells a write that never reached the API server by these words (client-node's).
          throw err instanceof KubeApiError ? new KubeApiError(err.code, err.body, `Failed to fetch resource metadata for ${apiVersion}`) : err;
        },
      );
      this.discovery.set(apiVersion, known);
      known.catch(() => this.discovery.delete(apiVersion));
    }
    return (await known).find((r) => r.kind === kind && !r.name.includes('/'));
  }

  private async pathOf(spec: ObjectSpec, withName: boolean): Promise<string> {
    const resource = await this.served(spec.apiVersion ?? '', spec.kind ?? '');
    const ns = resource.namespaced ? `/namespaces/${seg(spec.metadata?.namespace ?? this.defaultNamespace)}` : '';
    return `${groupPath(spec.apiVersion ?? '')}${ns}/${resource.name}${withName ? `/${seg(spec.metadata?.name ?? '')}` : ''}`;
  }

  /** The resource of a kind that must be served (the error is client-node's words for it). */
  private async served(apiVersion: string, kind: string): Promise<ApiResource> {
    const resource = await this.resource(apiVersion, kind);
    if (!resource) throw new Error(`Unrecognized API version and kind: ${apiVersion} ${kind}`);
    return resource;
  }

  /** GET one object. */
  async read<T extends KubernetesObject = KubernetesObject>(spec: ObjectSpec): Promise<T> {
    return this.http.request<T>({ method: 'GET', path: await this.pathOf(spec, true) });
  }

  /**
   * GET one object; null when the server answers its GET with a 404 (it does not exist). A group
   * version not served at all still fails as `read` does (its discovery's 404, KubeApiError).
   */
  async readIfPresent<T extends KubernetesObject = KubernetesObject>(spec: ObjectSpec): Promise<T | null> {
    return this.http.request<T | null>({ method: 'GET', path: await this.pathOf(spec, true), absentIsNull: true });
  }

  /** POST a new object. */
  async create<T extends KubernetesObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.write('POST', obj, options);
  }

  /** PUT an object whole (with the resourceVersion it carries). */
  async replace<T extends KubernetesObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    return this.write('PUT', obj, options);
  }

  /** A create (POST to the collection) or a replace (PUT to the object) of `obj` as JSON. */
  private async write<T extends KubernetesObject>(method: 'POST' | 'PUT', obj: T, options: WriteOptions): Promise<T> {
    return this.http.request<T>({
      method,
      path: await this.pathOf(obj as ObjectSpec, method === 'PUT'),
      query: { dryRun: options.dryRun, fieldManager: options.fieldManager },
      body: obj,
    });
  }

  /** PATCH an object; content type `application/apply-patch+yaml` is a server-side apply (the object sent as JSON, which is YAML). */
  async patch<T extends KubernetesObject>(obj: T, options: PatchOptions): Promise<T> {
    const query = { dryRun: options.dryRun, fieldManager: options.fieldManager, force: options.force };
    return this.http.request<T>({
      method: 'PATCH',
      path: await this.pathOf(obj as ObjectSpec, true),
      query,
      body: JSON.stringify(obj),
      contentType: options.contentType,
    });
  }

  /** DELETE an object. */
  async delete(spec: ObjectSpec, options: DeleteOptions = {}): Promise<unknown> {
    return this.http.request({ method: 'DELETE', path: await this.pathOf(spec, true), query: { ...options } });
  }

  /** GET a list of one kind, in `options.namespace` or (absent) everywhere. */
  async list<T extends KubernetesObject = KubernetesObject>(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubernetesListObject<T>> {
    const resource = await this.served(apiVersion, kind);
    const { namespace, ...query } = options;
    const ns = resource.namespaced && namespace !== undefined ? `/namespaces/${seg(namespace)}` : '';
    return this.http.request<KubernetesListObject<T>>({ method: 'GET', path: `${groupPath(apiVersion)}${ns}/${resource.name}`, query });
  }
}

/** `/api/v1` or `/apis/GROUP/VERSION`. Pure. */
function groupPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Options of a create or replace. */
export interface WriteOptions {
  fieldManager?: string | undefined;
  dryRun?: 'All' | undefined;
}

/** Options of a patch: its content type (merge, JSON or apply patch) and for an apply the field manager and force. */
export interface PatchOptions extends WriteOptions {
  contentType: 'application/apply-patch+yaml' | 'application/merge-patch+json' | 'application/json-patch+json' | 'application/strategic-merge-patch+json';
  force?: boolean | undefined;
}

/** Options of a delete. */
export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' | undefined;
  gracePeriodSeconds?: number | undefined;
  dryRun?: 'All' | undefined;
}

/** Options of a list: where (a namespace, or everywhere) and which (selectors, paging). */
export interface ListOptions {
  namespace?: string | undefined;
  fieldSelector?: string | undefined;
  labelSelector?: string | undefined;
  limit?: number | undefined;
  continue?: string | undefined;
}
