import { ISTIO_NAMESPACE } from '@meshd/core/discovery';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '@meshd/core/kube';
import { inventoryName } from '@meshd/core/release';
import { nameMatcher, type SecretWatchSource } from '@meshd/plugin-secrets';
import type { WatchEvent, WatchTarget } from './informers.js';
import { endpointChoiceChanged, isDrift, type KnownObjects } from './watch-filters.js';

/**
 * One watch the daemon keeps open: on the control plane or on each remote, what it watches, and what
 * a relevant event enqueues. Plain data plus a filter factory (a filter may keep per-watch state).
 */
export interface WatchSpec {
  on: 'control-plane' | 'each-remote';
  target: WatchTarget;
  /**
   * 'all-remotes': every remote's key; 'endpoint-readers': every key whose pass reads the control-plane
   * endpoints (each remote's, and the registry's only when it publishes a server chosen by Pilot's
   * IP); 'this-remote': the key of the cluster the event happened on.
   */
  enqueue: 'all-remotes' | 'endpoint-readers' | 'this-remote';
  purpose: string;
  /** Makes the event filter of one watch (given the event and what the watch knew before it); undefined: every event counts. */
  filter?: () => (event: WatchEvent, known: KnownObjects) => boolean;
}

/** Label selector of the Pilot, Mixer and statsd pods whose IPs the remotes use. */
export const CONTROL_PLANE_POD_SELECTOR = 'istio in (pilot,mixer,statsd-prom-bridge)';

/** Selector of every object meshd writes. */
export const OWNED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/** Objects Helm 2 (Tiller) installed: the chart labels them heritage=Tiller. */
const TILLER_SELECTOR = 'heritage=Tiller';

/**
 * The release inventory ConfigMap on each remote, by name (not by label: an edit that drops the label
 * must still be seen): deleting or editing it enqueues that remote, so tampering reaches /status
 * within seconds and a deleted inventory is rebuilt from the journal. Pure.
 */
export function inventoryWatchSpec(release: { name: string; namespace: string }): WatchSpec {
  return {
    on: 'each-remote',
    target: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      plural: 'configmaps',
      namespace: release.namespace,
      fieldSelector: `metadata.name=${inventoryName(release.name)}`,
    },
    enqueue: 'this-remote',
    purpose: `release inventory ${inventoryName(release.name)} (deleted or edited outside meshd)`,
    filter: () => isDrift,
  };
}

/**
 * The daemon's own watches: control-plane pods (an endpoint change enqueues every key that reads the
 * endpoints: each remote's, not the registry's unless it chooses a server by Pilot's IP) and, on
 * each remote, the Services and Endpoints meshd applied in the release namespace, directly or
 * through Tiller (someone else's edit or a deletion enqueues that remote), and, given the release,
 * its inventory (inventoryWatchSpec). Pure.
 */
export function builtinWatchSpecs(releaseNamespace: string, releaseName?: string): WatchSpec[] {
  const owned = (kind: string, plural: string, labelSelector = OWNED_SELECTOR): WatchSpec => ({
    on: 'each-remote',
    target: { apiVersion: 'v1', kind, plural, namespace: releaseNamespace, labelSelector },
    enqueue: 'this-remote',
    purpose: `drift of meshd's ${kind} objects${labelSelector === OWNED_SELECTOR ? '' : ' (installed through Tiller)'}`,
    filter: () => isDrift,
  });
  return [
    {
      on: 'control-plane',
      target: { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespace: ISTIO_NAMESPACE, labelSelector: CONTROL_PLANE_POD_SELECTOR },
      enqueue: 'endpoint-readers',
      purpose: 'Pilot, Mixer and statsd pod IPs',
      // Only a change of the endpoints discovery would choose: a Pilot move is one pass, not two.
      filter: () => endpointChoiceChanged,
    },
    owned('Service', 'services'),
    owned('Endpoints', 'endpoints'),
    // Objects a Tiller release installed carry the chart's heritage label, not meshd's.
    owned('Service', 'services', TILLER_SELECTOR),
    owned('Endpoints', 'endpoints', TILLER_SELECTOR),
    ...(releaseName === undefined ? [] : [inventoryWatchSpec({ name: releaseName, namespace: releaseNamespace })]),
  ];
}

/** Turns the secrets plugin's watch sources into WatchSpecs (name patterns become a filter). Pure. */
export function secretWatchSpecs(sources: readonly SecretWatchSource[]): WatchSpec[] {
  return sources.map((source) => {
    const plural = source.kind === 'Secret' ? 'secrets' : 'namespaces';
    const target: WatchTarget = { apiVersion: 'v1', kind: source.kind, plural };
    if (source.namespace !== undefined) target.namespace = source.namespace;
    if (source.labelSelector !== undefined) target.labelSelector = source.labelSelector;
    if (source.fieldSelector !== undefined) target.fieldSelector = source.fieldSelector;
    const spec: WatchSpec = { on: source.on, target, enqueue: source.enqueue, purpose: source.purpose };
    const patterns = source.namePatterns;
    const ownOnly = source.on === 'each-remote';
    if (patterns !== undefined || ownOnly) {
      const matches = patterns === undefined ? () => true : nameMatcher(patterns);
      spec.filter = () => (event) => matches(event.object.metadata?.name ?? '') && (!ownOnly || isDrift(event));
    }
    return spec;
  });
}
