import type { V1Node, VersionInfo } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/client.js';
import { httpStatusOf, isNotFound } from '../cluster/client.js';
import { abortableCall } from '../discovery/request-options.js';

/**
 * What one cluster says about itself, for the prerequisite checks. Gathered fresh on each call;
 * the caller decides how long to keep it.
 */
export interface ClusterFacts {
  /** /version gitVersion, e.g. `v1.34.4`. */
  gitVersion: string;
  /** /version major and minor as reported (`1`, `34`; some vendors say `34+`). */
  major: string;
  minor: string;
  /** Every Node's spec.podCIDRs (or podCIDR), deduplicated and sorted; undefined when Nodes cannot be read (403). */
  podCIDRs: string[] | undefined;
  /**
   * spec.cidrs of every networking.k8s.io/v1 ServiceCIDR, deduplicated and sorted; undefined when the
   * API does not exist (Kubernetes < 1.33, or the API disabled) or cannot be read (403).
   */
  serviceCIDRs: string[] | undefined;
  /**
   * UID of the kube-system namespace: the cluster's identity (what other multicluster tools use);
   * the same UID under two names is one cluster. Undefined when it cannot be read (403, 404).
   */
  identity?: string;
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/** Pod CIDRs the Nodes carry (pure): spec.podCIDRs when set, else spec.podCIDR. */
export function podCIDRsOfNodes(nodes: readonly V1Node[]): string[] {
  return sortedUnique(nodes.flatMap((n) => n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])));
}

async function readPodCIDRs(client: ClusterClient, signal?: AbortSignal): Promise<string[] | undefined> {
  try {
    const nodes = await client.core.listNode({}, abortableCall(signal));
    return podCIDRsOfNodes(nodes.items);
  } catch (err) {
    if (httpStatusOf(err) === 403) return undefined;
    throw err;
  }
}

async function readIdentity(client: ClusterClient, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const ns = await client.core.readNamespace({ name: 'kube-system' }, abortableCall(signal));
    return ns.metadata?.uid;
  } catch (err) {
    if (httpStatusOf(err) === 403 || isNotFound(err)) return undefined;
    throw err;
  }
}

interface ServiceCIDRObject {
  spec?: { cidrs?: string[] };
}

async function readServiceCIDRs(client: ClusterClient): Promise<string[] | undefined> {
  try {
    const list = await client.objects.list('networking.k8s.io/v1', 'ServiceCIDR');
    return sortedUnique((list.items as ServiceCIDRObject[]).flatMap((o) => o.spec?.cidrs ?? []));
  } catch (err) {
    if (isNotFound(err) || httpStatusOf(err) === 403) return undefined;
    // The group exists but has no ServiceCIDR kind: the object API's discovery throws a plain Error.
    if (err instanceof Error && err.message.startsWith('Unrecognized API version and kind')) return undefined;
    throw err;
  }
}

/**
 * Reads a cluster's version, pod CIDRs and service CIDRs (I/O only, no judgement: see
 * checkPrerequisites). Unreachable-cluster errors propagate unchanged (`isUnreachable`). `signal`
 * aborts the version and Node reads; the ServiceCIDR read (generic object API, which takes no
 * per-call middleware) only honours the client's own timeout and shutdown signal. `version`: the
 * /version read a caller already started (ClusterFactsCache asks it first), else it is read here.
 */
export async function gatherClusterFacts(client: ClusterClient, signal?: AbortSignal, version?: Promise<VersionInfo>): Promise<ClusterFacts> {
  // All four at once: each is its own round trip (the ServiceCIDRs two, discovery then the list).
  const [answer, podCIDRs, identity, serviceCIDRs] = await Promise.all([
    version ?? client.version.getCode(undefined, abortableCall(signal)),
    readPodCIDRs(client, signal),
    readIdentity(client, signal),
    readServiceCIDRs(client),
  ]);
  signal?.throwIfAborted();
  const facts: ClusterFacts = { gitVersion: answer.gitVersion, major: answer.major, minor: answer.minor, podCIDRs, serviceCIDRs };
  if (identity !== undefined) facts.identity = identity;
  return facts;
}
