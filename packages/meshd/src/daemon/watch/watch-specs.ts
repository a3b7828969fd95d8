import { ISTIO_NAMESPACE } from '@meshd/core/discovery';
import { nameMatcher, type PluginWatch, type WatchTarget } from '@meshd/core';
import type { WatchEvent } from './informers.js';
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
  /**
   * Only on the remotes whose backend is one of these (a backend's own watches: Tiller's labels, the
   * release engine's inventory mean nothing on a remote another backend installs); undefined: on
   * every remote.
   */
  backends?: readonly string[];
}

/** Label selector of the Pilot, Mixer and statsd pods whose IPs the remotes use. */
export const CONTROL_PLANE_POD_SELECTOR = 'istio in (pilot,mixer,statsd-prom-bridge)';

/**
 * The daemon's own watch: the control plane's Pilot, Mixer and statsd pods (discovery's input: an
 * endpoint change enqueues every key that reads the endpoints: each remote's, not the
 * registry's unless it chooses a server by Pilot's IP). Every other watch is a plugin's declaration
 * (pluginWatchSpecs). Pure.
 */
export function builtinWatchSpecs(): WatchSpec[] {
  return [
    {
      on: 'control-plane',
      target: { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespace: ISTIO_NAMESPACE, labelSelector: CONTROL_PLANE_POD_SELECTOR },
      enqueue: 'endpoint-readers',
      purpose: 'Pilot, Mixer and statsd pod IPs',
      // Only a change of the endpoints discovery would choose: a Pilot move is one pass, not two.
      filter: () => endpointChoiceChanged,
    },
  ];
}

/** A watch's identity: two plugins declaring the same watch share one (two renderers' release watches). */
function watchKey(w: PluginWatch): string {
  return JSON.stringify([w.on, w.apiVersion, w.kind, w.namespace, w.labelSelector, w.fieldSelector, w.namePatterns, w.events ?? 'all', w.enqueue]);
}

/** One plugin watch as the daemon keeps it: name patterns and `events: 'drift'` become its filter. Pure. */
function pluginWatchSpec(watch: PluginWatch): WatchSpec {
  const target: WatchTarget = { apiVersion: watch.apiVersion, kind: watch.kind, plural: watch.plural };
  if (watch.namespace !== undefined) target.namespace = watch.namespace;
  if (watch.labelSelector !== undefined) target.labelSelector = watch.labelSelector;
  if (watch.fieldSelector !== undefined) target.fieldSelector = watch.fieldSelector;
  const spec: WatchSpec = { on: watch.on, target, enqueue: watch.enqueue, purpose: watch.purpose };
  const patterns = watch.namePatterns;
  const driftOnly = watch.events === 'drift';
  if (patterns !== undefined || driftOnly) {
    const matches = patterns === undefined ? () => true : nameMatcher(patterns);
    spec.filter = () => (event) => matches(event.object.metadata?.name ?? '') && (!driftOnly || isDrift(event));
  }
  return spec;
}

/** One plugin's declared watch, with the backend it belongs to when the plugin is a backend (its remote watches run only where it installs). */
export interface DeclaredWatch {
  watch: PluginWatch;
  /** The declaring backend's name; undefined for an addon's watch (it runs on every remote). */
  backend?: string;
}

/**
 * The registered plugins' declared watches as the daemon keeps them, each distinct watch once, in
 * declaration order. The same watch declared by two backends (two renderers' release watches) runs on
 * the remotes of either; declared by an addon too, on every remote. Pure.
 */
export function pluginWatchSpecs(declared: readonly DeclaredWatch[]): WatchSpec[] {
  const byKey = new Map<string, { watch: PluginWatch; backends: Set<string> | undefined }>();
  for (const { watch, backend } of declared) {
    const key = watchKey(watch);
    const seen = byKey.get(key);
    const mine = backend === undefined || watch.on === 'control-plane' ? undefined : new Set([backend]);
    if (seen === undefined) byKey.set(key, { watch, backends: mine });
    else if (seen.backends !== undefined) seen.backends = mine === undefined ? undefined : new Set([...seen.backends, ...mine]);
  }
  return [...byKey.values()].map(({ watch, backends }) => {
    const spec = pluginWatchSpec(watch);
    if (backends !== undefined) spec.backends = [...backends];
    return spec;
  });
}

/** Whether a spec's watch runs on a remote that `backend` installs (every spec does when the backend is unknown). Pure. */
export function runsOnBackend(spec: WatchSpec, backend: string | undefined): boolean {
  return spec.backends === undefined || backend === undefined || spec.backends.includes(backend);
}
