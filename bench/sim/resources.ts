// SIMULATION (benchmarks only): the resource types the simulated Kubernetes API serves, and the
// discovery documents (/api, /apis, /api/v1, /apis/G/V) that @kubernetes/client-node reads before a
// generic request. Only what meshd touches is here; anything else is a 404, as on a real server
// without that API.

/** One resource type of the simulated API. */
export interface SimResource {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** `[group, plural, kind]`, version v1, namespaced unless `cluster` says otherwise. */
function r([group, plural, kind]: [string, string, string], scope: 'namespaced' | 'cluster' = 'namespaced'): SimResource {
  return { group, version: 'v1', plural, kind, namespaced: scope === 'namespaced' };
}

/** Every resource type served. */
export const SIM_RESOURCES: readonly SimResource[] = [
  r(['', 'namespaces', 'Namespace'], 'cluster'),
  r(['', 'nodes', 'Node'], 'cluster'),
  r(['', 'pods', 'Pod']),
  r(['', 'configmaps', 'ConfigMap']),
  r(['', 'secrets', 'Secret']),
  r(['', 'services', 'Service']),
  r(['', 'endpoints', 'Endpoints']),
  r(['', 'serviceaccounts', 'ServiceAccount']),
  r(['apps', 'deployments', 'Deployment']),
  r(['rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole'], 'cluster'),
  r(['rbac.authorization.k8s.io', 'clusterrolebindings', 'ClusterRoleBinding'], 'cluster'),
  r(['rbac.authorization.k8s.io', 'roles', 'Role']),
  r(['rbac.authorization.k8s.io', 'rolebindings', 'RoleBinding']),
  r(['networking.k8s.io', 'servicecidrs', 'ServiceCIDR'], 'cluster'),
  r(['coordination.k8s.io', 'leases', 'Lease']),
];

/** apiVersion of a resource type: `v1` or `group/version`. */
export function apiVersionOf(res: SimResource): string {
  return res.group === '' ? res.version : `${res.group}/${res.version}`;
}

/** The resource type for a group/version/plural, or undefined. */
export function findResource(group: string, version: string, plural: string): SimResource | undefined {
  return SIM_RESOURCES.find((x) => x.group === group && x.version === version && x.plural === plural);
}

const groups = (): string[] => [...new Set(SIM_RESOURCES.map((x) => x.group).filter((g) => g !== ''))];

/** GET /api */
export function coreVersions(): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
}

/** GET /apis */
export function groupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups().map((name) => {
      const gv = { groupVersion: `${name}/v1`, version: 'v1' };
      return { name, versions: [gv], preferredVersion: gv };
    }),
  };
}

/** GET /api/v1 or /apis/G/V; undefined when the group version is not served. */
export function resourceList(group: string, version: string): object | undefined {
  const resources = SIM_RESOURCES.filter((x) => x.group === group && x.version === version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group === '' ? version : `${group}/${version}`,
    resources: resources.map((x) => ({ name: x.plural, singularName: x.kind.toLowerCase(), namespaced: x.namespaced, kind: x.kind, verbs: VERBS })),
  };
}
