import type { KubeObject } from '@meshd/core/kube';
import type { SecretsConfig } from './config.js';
import { CA_SECRET, desiredCopy, sourceId, whyNotCopied } from './desired.js';
import type { SourceSecret } from './desired.js';
import { isExactName, nameMatcher } from './names.js';

/** What was observed on the control plane for one effective config. */
export interface ObservedSources {
  /** Name of the control-plane cluster (recorded in each copy's `meshd.io/source`). */
  controlPlane: string;
  /** The application namespaces (listed ∪ selected), sorted. */
  namespaces: string[];
  /** Secrets in those namespaces whose names match the configured patterns. */
  secrets: SourceSecret[];
  /** The CA secret: undefined when copyCaSecret is off, null when the control plane has none. */
  ca?: SourceSecret | null;
}

/** The copies a remote should hold, and what could not be copied (reported, never acted on). */
export interface DesiredCopies {
  copies: KubeObject[];
  /** Sources named exactly in config but absent on the control plane (`cluster/namespace/name`). */
  missingSources: string[];
  /** Sources named exactly but not copyable, with the reason. */
  skipped: string[];
}

/** Pure: the copies wanted on every remote with this config (one per copyable source). */
export function desiredFromSources(sources: ObservedSources, config: SecretsConfig): DesiredCopies {
  const matches = nameMatcher(config.names);
  const inSet = new Set(sources.namespaces);
  const result: DesiredCopies = { copies: [], missingSources: [], skipped: [] };
  const seen = new Set<string>();
  for (const source of sources.secrets) {
    if (!inSet.has(source.namespace) || !matches(source.name)) continue;
    seen.add(`${source.namespace}/${source.name}`);
    const why = whyNotCopied(source);
    if (why === undefined) result.copies.push(desiredCopy(sources.controlPlane, source));
    else if (config.names.includes(source.name)) result.skipped.push(`${sourceId(sources.controlPlane, source)}: ${why}`);
  }
  result.missingSources.push(...missingExactSources(sources, config.names, seen));
  if (config.copyCaSecret) {
    if (sources.ca) result.copies.push(desiredCopy(sources.controlPlane, sources.ca));
    else result.missingSources.push(sourceId(sources.controlPlane, CA_SECRET));
  }
  return result;
}

/** Exact names in config with no source in a namespace of the set (`seen` holds `namespace/name` of those found), as source ids. */
function missingExactSources(sources: ObservedSources, names: readonly string[], seen: ReadonlySet<string>): string[] {
  const exact = names.filter(isExactName);
  return sources.namespaces.flatMap((namespace) =>
    exact.filter((name) => !seen.has(`${namespace}/${name}`)).map((name) => sourceId(sources.controlPlane, { namespace, name })),
  );
}

/**
 * Pure: whether a copy at namespace/name is still wanted by this config whether or not its source
 * exists. Owned copies in scope whose source is gone are left in place; only copies out of scope
 * (their namespace left the set, their name no longer matches, copyCaSecret turned off) are pruned.
 */
export function copyScope(config: SecretsConfig, namespaces: readonly string[]): (namespace: string, name: string) => boolean {
  const matches = nameMatcher(config.names);
  const inSet = new Set(namespaces);
  return (namespace, name) => {
    const isCa = namespace === CA_SECRET.namespace && name === CA_SECRET.name;
    if (isCa) return config.copyCaSecret;
    return inSet.has(namespace) && matches(name);
  };
}
