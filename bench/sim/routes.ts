// SIMULATION (benchmarks only): what a request path of the Kubernetes API names.
import type { SimResource } from './resources.js';
import { coreVersions, findResource, groupList, resourceList } from './resources.js';

/** A path that names a fixed document (version, discovery). */
export interface DocumentRoute {
  kind: 'document';
  body: object;
}

/** A path that names a collection or one object of a resource type. */
export interface ResourceRoute {
  kind: 'resource';
  res: SimResource;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** What a path names; undefined is a 404. */
export type Route = DocumentRoute | ResourceRoute;

const VERSION = {
  major: '1',
  minor: '34',
  gitVersion: 'v1.34.4',
  gitCommit: 'simulated',
  platform: 'linux/amd64',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'sim',
};

/** The fixed documents, by path length and first segment. */
const DOCUMENTS = new Map<string, (parts: string[]) => object | undefined>([
  ['1 version', () => VERSION],
  ['1 api', () => coreVersions()],
  ['1 apis', () => groupList()],
  ['2 api', (parts) => resourceList('', parts[1] ?? '')],
  ['3 apis', (parts) => resourceList(parts[1] ?? '', parts[2] ?? '')],
]);

function documentRoute(parts: string[]): Route | undefined {
  const body = DOCUMENTS.get(`${parts.length} ${parts[0]}`)?.(parts);
  return body ? { kind: 'document', body } : undefined;
}

/** The optional name and subresource of a resource route, present only when the path has them. */
function nameAndSubresource(name: string | undefined, subresource: string | undefined): Pick<ResourceRoute, 'name' | 'subresource'> {
  return { ...(name !== undefined ? { name } : {}), ...(subresource !== undefined ? { subresource } : {}) };
}

/** namespaces/NS/PLURAL[/NAME[/SUB]] of a namespaced resource, else undefined. */
function namespacedRoute(group: string, version: string, rest: string[]): Route | undefined {
  const [a, b, c, d, e] = rest;
  if (a !== 'namespaces' || b === undefined || c === undefined) return undefined;
  const namespaced = findResource(group, version, c);
  return namespaced?.namespaced ? { kind: 'resource', res: namespaced, namespace: b, ...nameAndSubresource(d, e) } : undefined;
}

function resourceRoute(group: string, version: string, rest: string[]): Route | undefined {
  const [a, b, c] = rest;
  if (a === undefined) return undefined;
  const namespaced = namespacedRoute(group, version, rest);
  if (namespaced) return namespaced;
  if (rest.length > 3) return undefined;
  const res = findResource(group, version, a);
  if (!res) return undefined;
  return { kind: 'resource', res, ...nameAndSubresource(b, c) };
}

/** Reads a request path (without query) into a route. */
export function routeOf(path: string): Route | undefined {
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const doc = documentRoute(parts);
  if (doc) return doc;
  if (parts[0] === 'api' && parts[1] !== undefined) return resourceRoute('', parts[1], parts.slice(2));
  if (parts[0] === 'apis' && parts[1] !== undefined && parts[2] !== undefined) return resourceRoute(parts[1], parts[2], parts.slice(3));
  return undefined;
}
