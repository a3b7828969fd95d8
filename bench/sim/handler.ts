// SIMULATION (benchmarks only): answers one HTTP request of the Kubernetes API from a ClusterStore.
// Reads, lists with selectors, watches, create, replace, server-side apply, merge patch and delete,
// with the status codes a real API server returns for the cases meshd meets (404, 409, 422).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { mergePatch, serverSideApply, updatedBy } from './apply.js';
import type { ResourceRoute } from './routes.js';
import { routeOf } from './routes.js';
import { apiVersionOf } from './resources.js';
import type { SimResource } from './resources.js';
import { fieldMatcher, labelMatcher } from './selectors.js';
import type { SimObject } from './selectors.js';
import type { ClusterStore } from './store.js';
import { serveWatch } from './watch.js';

const MAX_DATA_BYTES = 1024 * 1024;

/** A failed request: the Status body a real server sends. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendStatus(res: ServerResponse, err: StatusError): void {
  sendJson(res, err.code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.message, reason: err.reason, code: err.code });
}

async function readBody(req: IncomingMessage): Promise<SimObject> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as SimObject;
  } catch {
    return parseYaml(text) as SimObject;
  }
}

const notFound = (route: ResourceRoute, name: string): StatusError =>
  new StatusError(404, 'NotFound', `${route.res.plural}${route.res.group ? '.' + route.res.group : ''} "${name}" not found`);

function checkWrite(store: ClusterStore, route: ResourceRoute, obj: SimObject): void {
  if (route.res.namespaced) {
    const nsRes = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
    if (!store.get(nsRes, undefined, route.namespace ?? '')) throw new StatusError(404, 'NotFound', `namespaces "${route.namespace}" not found`);
  }
  const data = { ...(obj.data as object | undefined), ...(obj.binaryData as object | undefined), ...(obj.stringData as object | undefined) } as Record<
    string,
    string
  >;
  const bytes = Object.entries(data).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(String(v)), 0);
  if (bytes > MAX_DATA_BYTES)
    throw new StatusError(422, 'Invalid', `${route.res.kind} "${obj.metadata.name}" is invalid: []: Too long: may not be more than ${MAX_DATA_BYTES} bytes`);
}

function withPathIdentity(route: ResourceRoute, obj: SimObject, res: SimResource): SimObject {
  const metadata = { ...obj.metadata, name: obj.metadata?.name ?? route.name ?? '' };
  if (route.res.namespaced && route.namespace !== undefined) metadata.namespace = route.namespace;
  return { ...obj, apiVersion: apiVersionOf(res), kind: res.kind, metadata };
}

/** One write request being served. */
interface WriteContext {
  req: IncomingMessage;
  store: ClusterStore;
  route: ResourceRoute;
  url: URL;
}

function remove({ store, route }: WriteContext): [number, unknown] {
  const gone = store.delete(route.res, route.namespace, route.name ?? '');
  if (!gone) throw notFound(route, route.name ?? '');
  return [200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: route.name, kind: route.res.plural } }];
}

function create({ store, route, url }: WriteContext, body: SimObject, existing: SimObject | undefined): [number, unknown] {
  if (existing) throw new StatusError(409, 'AlreadyExists', `${route.res.plural} "${body.metadata.name}" already exists`);
  checkWrite(store, route, body);
  return [201, store.create(route.res, updatedBy(body, url.searchParams.get('fieldManager') ?? 'unknown'))];
}

function apply({ store, route, url }: WriteContext, body: SimObject, existing: SimObject | undefined): [number, unknown] {
  checkWrite(store, route, body);
  const next = serverSideApply(existing, body, url.searchParams.get('fieldManager') ?? 'unknown');
  return existing ? [200, store.update(route.res, existing, next)] : [201, store.create(route.res, next)];
}

function replace({ store, route, url }: WriteContext, body: SimObject, existing: SimObject): [number, unknown] {
  const rv = body.metadata.resourceVersion;
  if (rv !== undefined && rv !== existing.metadata.resourceVersion)
    throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${route.res.plural} "${body.metadata.name}": the object has been modified`);
  checkWrite(store, route, body);
  return [200, store.update(route.res, existing, updatedBy(body, url.searchParams.get('fieldManager') ?? 'unknown'))];
}

/** A ServiceAccount token (TokenRequest): a JWT-shaped random token that expires when asked. */
async function tokenRequest({ req, store, route }: WriteContext): Promise<[number, unknown]> {
  if (!store.get(route.res, route.namespace, route.name ?? '')) throw notFound(route, route.name ?? '');
  const body = (await readBody(req)) as SimObject & { spec?: { expirationSeconds?: number } };
  const seconds = body.spec?.expirationSeconds ?? 3600;
  const part = (): string => randomBytes(24).toString('base64url');
  const status = { token: `${part()}.${part()}.${part()}`, expirationTimestamp: new Date(Date.now() + seconds * 1000).toISOString() };
  return [
    201,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: route.name, namespace: route.namespace }, spec: body.spec ?? {}, status },
  ];
}

async function write(ctx: WriteContext): Promise<[number, unknown]> {
  const { req, store, route } = ctx;
  store.counts.writes++;
  if (req.method === 'POST' && route.res.plural === 'serviceaccounts' && route.subresource === 'token') return tokenRequest(ctx);
  if (req.method === 'DELETE') return remove(ctx);
  return writeBody(ctx);
}

/** A write that carries an object: create, apply, replace or merge patch. */
async function writeBody(ctx: WriteContext): Promise<[number, unknown]> {
  const { req, store, route } = ctx;
  const body = withPathIdentity(route, await readBody(req), route.res);
  const existing = store.get(route.res, route.namespace, body.metadata.name);
  const contentType = req.headers['content-type'] ?? '';
  if (req.method === 'POST') return create(ctx, body, existing);
  if (req.method === 'PATCH' && contentType.includes('apply-patch')) return apply(ctx, body, existing);
  if (!existing) throw notFound(route, body.metadata.name);
  if (req.method === 'PUT') return replace(ctx, body, existing);
  if (req.method === 'PATCH' && contentType.includes('merge-patch')) return [200, store.update(route.res, existing, mergePatch(existing, body) as SimObject)];
  throw new StatusError(415, 'UnsupportedMediaType', `the simulation does not take ${req.method} ${contentType}`);
}

function read(store: ClusterStore, route: ResourceRoute, url: URL): [number, unknown] {
  store.counts.reads++;
  if (route.name !== undefined) {
    const obj = store.get(route.res, route.namespace, route.name);
    if (!obj) throw notFound(route, route.name);
    return [200, obj];
  }
  const match = labelMatcher(url.searchParams.get('labelSelector'));
  const fields = fieldMatcher(url.searchParams.get('fieldSelector'));
  const items = store.list(route.res, route.namespace, (o) => match(o) && fields(o));
  return [200, { kind: `${route.res.kind}List`, apiVersion: apiVersionOf(route.res), metadata: { resourceVersion: store.version() }, items }];
}

function isWatch(req: IncomingMessage, route: ResourceRoute, url: URL): boolean {
  return req.method === 'GET' && route.name === undefined && ['true', '1'].includes(url.searchParams.get('watch') ?? '');
}

async function serve(req: IncomingMessage, res: ServerResponse, store: ClusterStore, url: URL): Promise<void> {
  const route = routeOf(url.pathname);
  if (!route) throw new StatusError(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
  if (route.kind === 'document') return sendJson(res, 200, route.body);
  if (isWatch(req, route, url)) {
    store.counts.watches++;
    return serveWatch({ req, res, store, route, url });
  }
  const [code, body] = req.method === 'GET' ? read(store, route, url) : await write({ req, store, route, url });
  sendJson(res, code, body);
}

/** Serves one request against `store`. Never throws: failures are Status responses. */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, store: ClusterStore): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://sim');
  try {
    return await serve(req, res, store, url);
  } catch (err) {
    sendStatus(res, err instanceof StatusError ? err : new StatusError(500, 'InternalError', String(err)));
  }
}
