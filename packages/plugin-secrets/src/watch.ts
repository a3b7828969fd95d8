import type { PluginWatch } from '@meshd/core';
import { effectiveConfig } from './config.js';
import type { SecretsConfig } from './config.js';
import { CA_SECRET } from './desired.js';
import { OWNED_COPIES_SELECTOR } from './metadata.js';
import { singleExactName } from './names.js';

/**
 * One list+watch the daemon should keep open for the secrets plugin (plain data: the daemon owns
 * the informers, their reconnects and resourceVersions). An event only enqueues keys.
 */
export interface SecretWatchSource {
  /** Which cluster to watch: the control plane, or each remote (its own watch). */
  on: 'control-plane' | 'each-remote';
  kind: 'Secret' | 'Namespace';
  /** Namespace to watch in; undefined = all namespaces (`/api/v1/secrets`, `/api/v1/namespaces`). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Client-side filter for Secret events (the server cannot select by pattern): only names matching
   * these patterns (nameMatcher) matter. Undefined: every event of the watch matters.
   */
  namePatterns?: string[];
  /** What an event enqueues: every remote (a source changed), or the remote it happened on. */
  enqueue: 'all-remotes' | 'this-remote';
  /** Why the watch exists, for logs. */
  purpose: string;
}

function effectiveConfigs(config: SecretsConfig, clusters: Readonly<Record<string, Readonly<Record<string, unknown>>>>): SecretsConfig[] {
  const configs = [config];
  for (const overrides of Object.values(clusters)) {
    const resolved = effectiveConfig(config, overrides);
    if (resolved.ok) configs.push(resolved.config);
  }
  return configs;
}

/**
 * Pure: the watches that let the daemon follow this plugin's inputs without polling, for the config
 * and its per-cluster overrides (`clusters:` of meshd.yaml). Sources are watched across all
 * namespaces (a namespace that joins through the selector is covered at once), by field selector
 * when a single exact name is configured. The plugin itself needs no watch state: every plan re-reads.
 */
export function secretWatchSources(config: SecretsConfig, clusters: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {}): SecretWatchSource[] {
  const configs = effectiveConfigs(config, clusters);
  const patterns = [...new Set(configs.flatMap((c) => c.names))].sort();
  const single = singleExactName(patterns);
  const sources: SecretWatchSource[] = [];
  sources.push(
    single !== undefined
      ? { on: 'control-plane', kind: 'Secret', fieldSelector: `metadata.name=${single}`, enqueue: 'all-remotes', purpose: `rotations of ${single}` }
      : {
          on: 'control-plane',
          kind: 'Secret',
          namePatterns: patterns,
          enqueue: 'all-remotes',
          purpose: `rotations of secrets matching ${patterns.join(', ')}`,
        },
  );
  if (configs.some((c) => c.copyCaSecret)) {
    sources.push({
      on: 'control-plane',
      kind: 'Secret',
      namespace: CA_SECRET.namespace,
      fieldSelector: `metadata.name=${CA_SECRET.name}`,
      enqueue: 'all-remotes',
      purpose: 'the CA secret (copyCaSecret)',
    });
  }
  const selectors = [...new Set(configs.flatMap((c) => (c.namespaceSelector === undefined ? [] : [c.namespaceSelector])))].sort();
  for (const labelSelector of selectors) {
    sources.push({ on: 'control-plane', kind: 'Namespace', labelSelector, enqueue: 'all-remotes', purpose: `namespaces joining or leaving ${labelSelector}` });
  }
  sources.push({
    on: 'each-remote',
    kind: 'Secret',
    labelSelector: OWNED_COPIES_SELECTOR,
    enqueue: 'this-remote',
    purpose: 'copies edited or deleted on a remote',
  });
  sources.push({ on: 'each-remote', kind: 'Namespace', enqueue: 'this-remote', purpose: 'application namespaces created on a remote' });
  return sources;
}

/**
 * The secrets plugin's watches as core's plugin API declares them (secretWatchSources as
 * PluginWatch): on a remote only changes someone other than meshd made count. Pure.
 */
export function secretPluginWatches(config: SecretsConfig, clusters: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {}): PluginWatch[] {
  return secretWatchSources(config, clusters).map((source) => {
    const { kind, ...rest } = source;
    return { ...rest, apiVersion: 'v1', kind, plural: kind === 'Secret' ? 'secrets' : 'namespaces', events: source.on === 'each-remote' ? 'drift' : 'all' };
  });
}
