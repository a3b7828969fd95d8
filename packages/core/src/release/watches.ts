import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../kube/object.js';
import type { PluginWatch } from '../plugin/watch.js';
import { inventoryName } from './inventory.js';

/** Selector of every object meshd writes. */
export const OWNED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

/**
 * What core's release engine watches on each remote for a renderer's release: the Services and
 * Endpoints it applied in the release namespace (someone else's edit or a deletion enqueues that
 * remote), and the release inventory ConfigMap by name (not by label: an edit that drops the label
 * must still be seen), so tampering reaches /status within seconds and a deleted inventory is
 * rebuilt from the journal. Pure.
 */
export function releaseWatches(release: { name: string; namespace: string }): PluginWatch[] {
  const owned = (kind: string, plural: string): PluginWatch => ({
    on: 'each-remote',
    apiVersion: 'v1',
    kind,
    plural,
    namespace: release.namespace,
    labelSelector: OWNED_SELECTOR,
    events: 'drift',
    enqueue: 'this-remote',
    purpose: `drift of meshd's ${kind} objects`,
  });
  return [
    owned('Service', 'services'),
    owned('Endpoints', 'endpoints'),
    {
      on: 'each-remote',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      plural: 'configmaps',
      namespace: release.namespace,
      fieldSelector: `metadata.name=${inventoryName(release.name)}`,
      events: 'drift',
      enqueue: 'this-remote',
      purpose: `release inventory ${inventoryName(release.name)} (deleted or edited outside meshd)`,
    },
  ];
}
