/** Which objects a list+watch selects: one kind, in one namespace or all, optionally narrowed by selectors. */
export interface WatchTarget {
  apiVersion: string;
  kind: string;
  /** The resource's plural, as in its URL (`secrets`, `services`). */
  plural: string;
  /** Namespace to watch in; undefined: all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * One list+watch a plugin needs the daemon to keep open, as plain data: the daemon owns the
 * informers, their connections, reconnects and resourceVersions; an event only enqueues keys.
 */
export interface PluginWatch extends WatchTarget {
  /** Which cluster to watch: the control plane, or each remote (its own watch). */
  on: 'control-plane' | 'each-remote';
  /**
   * Client-side filter (the API server cannot select by pattern): only objects whose names match
   * these patterns (nameMatcher: exact names, or globs with `*` and `?`) matter. Undefined: every name.
   */
  namePatterns?: string[];
  /** `drift`: only changes someone other than meshd made (and deletions) matter; `all` (default): every event. */
  events?: 'all' | 'drift';
  /** What an event enqueues: every remote (an input of every remote changed), or the remote it happened on. */
  enqueue: 'all-remotes' | 'this-remote';
  /** Why the watch exists, for logs. */
  purpose: string;
}

/** What a plugin's watches may depend on besides its own config: core's release and meshd.yaml's per-cluster overrides. */
export interface WatchContext {
  release: { name: string; namespace: string };
  /** `clusters: { NAME: {...} }` of meshd.yaml (a plugin's per-cluster keys live there). */
  clusters: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** True when a name pattern has no wildcard: it names exactly one object per namespace. */
export function isExactName(pattern: string): boolean {
  return !pattern.includes('*') && !pattern.includes('?');
}

function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.\\^$+(){}[\]|-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/**
 * Pure: a predicate telling whether a name matches any of the patterns (exact names, or globs where
 * `*` is any run of characters and `?` one character).
 */
export function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter(isExactName));
  const globs = patterns.filter((p) => !isExactName(p)).map(patternRegExp);
  return (name) => exact.has(name) || globs.some((re) => re.test(name));
}
