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

const VERSION = { major: '1', minor: '34', gitVersion: 'v1.34.4', gitCommit: 'simulated', platform: 'linux/amd64', buildDate: '2025-01-01T00:00:00Z', goVersion: 'sim' };

function documentRoute(parts: string[]): Route | undefined {
  const doc = (body: object | undefined): Route | undefined => (body ? { kind: 'document', body } : undefined);
  if (parts.length === 1 && parts[0] === 'version') return doc(VERSION);
  if (parts.length === 1 && parts[0] === 'api') return doc(coreVersions());
  if (parts.length === 1 && parts[0] === 'apis') return doc(groupList());
  if (parts.length === 2 && parts[0] === 'api') return doc(resourceList('', parts[1] ?? ''));
  if (parts.length === 3 && parts[0] === 'apis') return doc(resourceList(parts[1] ?? '', parts[2] ?? ''));
  return undefined;
}

function resourceRoute(group: string, version: string, rest: string[]): Route | undefined {
  const [a, b, c, d, e] = rest;
  if (a === undefined) return undefined;
  if (a === 'namespaces' && b !== undefined && c !== undefined) {
    const namespaced = findResource(group, version, c);
    if (namespaced?.namespaced) return { kind: 'resource', res: namespaced, namespace: b, ...(d !== undefined ? { name: d } : {}), ...(e !== undefined ? { subresource: e } : {}) };
  }
  if (rest.length > 3) return undefined;
  const res = findResource(group, version, a);
  if (!res) return undefined;
  return { kind: 'resource', res, ...(b !== undefined ? { name: b } : {}), ...(c !== undefined ? { subresource: c } : {}) };
}

/** Reads a request path (without query) into a route. */
export function routeOf(path: string): Route | undefined {
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  const doc = documentRoute(parts);
  if (doc) return doc;
  if (parts[0] === 'api' && parts[1] !== undefined) return resourceRoute('', parts[1], parts.slice(2));
  if (parts[0] === 'apis' && parts[1] !== undefined && parts[2] !== undefined) return resourceRoute(parts[1], parts[2], parts.slice(3));
  return undefined;
}
