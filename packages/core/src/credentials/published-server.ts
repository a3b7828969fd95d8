import { BlockList } from 'node:net';
import type { ClusterSpec } from '../descriptor/cluster-schema.js';
import { isIPv6 } from 'node:net';
import { parseCidr } from '../descriptor/network.js';

/** Where a published kubeconfig's server came from, and what the operator should hear about it. */
export interface PublishedServer {
  server: string;
  source: 'override' | 'serverEndpoints' | 'kubeconfig';
  warning?: string;
}

/** What publishedServerOf needs to know of a cluster. */
export interface ServerInputs {
  name: string;
  /** The operator's kubeconfig server (what meshd itself dials). */
  kubeconfigServer: string;
  spec?: ClusterSpec | undefined;
  /** clusters.NAME.publishedServer. */
  override?: string | undefined;
  /** The IP Pilot dials from (the discovered Pilot pod IP), to choose among several serverEndpoints. */
  clientIp?: string | undefined;
}

function urlOf(serverAddress: string): string {
  return /^https?:\/\//.test(serverAddress) ? serverAddress : `https://${serverAddress}`;
}

function contains(cidrText: string, ip: string): number | undefined {
  const cidr = parseCidr(cidrText);
  if (!cidr) return undefined;
  const list = new BlockList();
  const family = cidr.family === 4 ? 'ipv4' : 'ipv6';
  list.addSubnet(cidr.address, cidr.prefix, family);
  return list.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4') ? cidr.prefix : undefined;
}

type ServerEndpoint = NonNullable<NonNullable<ClusterSpec['kubernetesApiEndpoints']>['serverEndpoints']>[number];

/** The endpoint whose clientCIDR holds `clientIp` with the longest prefix; none when the IP is unknown or unmatched. */
function mostSpecificEndpoint(endpoints: readonly ServerEndpoint[], clientIp: string | undefined): ServerEndpoint | undefined {
  if (clientIp === undefined) return undefined;
  const ranked = endpoints.map((e) => ({ e, prefix: contains(e.clientCIDR, clientIp) })).filter((r) => r.prefix !== undefined);
  ranked.sort((a, b) => (b.prefix ?? 0) - (a.prefix ?? 0));
  return ranked[0]?.e;
}

/**
 * Whether the server published for a cluster depends on Pilot's IP: no override and several
 * `serverEndpoints`, chosen by the clientCIDR that holds it (publishedServerOf). Only then does a
 * Pilot move change what the registry publishes. Pure.
 */
export function choosesServerByPilotIp(i: Pick<ServerInputs, 'spec' | 'override'>): boolean {
  return i.override === undefined && (i.spec?.kubernetesApiEndpoints?.serverEndpoints?.length ?? 0) > 1;
}

/**
 * Pure: the API server URL the control plane's Pilot must dial for a cluster, which is not
 * necessarily what the bastion dials. In order: `clusters.NAME.publishedServer`; the descriptor's
 * `spec.kubernetesApiEndpoints.serverEndpoints` (with several, the one whose clientCIDR holds Pilot's
 * IP most specifically, else the first, with a warning); else the operator's kubeconfig server, with
 * a warning that Pilot may not reach it from where it runs.
 */
export function publishedServerOf(i: ServerInputs): PublishedServer {
  if (i.override !== undefined) return { server: i.override, source: 'override' };
  const endpoints = i.spec?.kubernetesApiEndpoints?.serverEndpoints ?? [];
  const [first] = endpoints;
  if (first === undefined) {
    return {
      server: i.kubeconfigServer,
      source: 'kubeconfig',
      warning: `${i.name}: the descriptor has no spec.kubernetesApiEndpoints.serverEndpoints; publishing the kubeconfig's server ${i.kubeconfigServer} (set clusters.${i.name}.publishedServer if Pilot dials another address)`,
    };
  }
  if (endpoints.length === 1) return { server: urlOf(first.serverAddress), source: 'serverEndpoints' };
  const best = mostSpecificEndpoint(endpoints, i.clientIp);
  if (best) return { server: urlOf(best.serverAddress), source: 'serverEndpoints' };
  const why = i.clientIp === undefined ? "Pilot's IP is not known" : `no clientCIDR holds Pilot's IP ${i.clientIp}`;
  return {
    server: urlOf(first.serverAddress),
    source: 'serverEndpoints',
    warning: `${i.name}: ${why}; publishing the first serverEndpoints entry ${first.serverAddress}`,
  };
}
