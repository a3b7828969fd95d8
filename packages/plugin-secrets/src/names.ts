/** True when a name pattern has no wildcard: it names exactly one secret per namespace. */
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
 * Pure: a predicate telling whether a secret name matches any of the patterns (exact names, or
 * globs where `*` is any run of characters and `?` one character).
 */
export function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const exact = new Set(patterns.filter(isExactName));
  const globs = patterns.filter((p) => !isExactName(p)).map(patternRegExp);
  return (name) => exact.has(name) || globs.some((re) => re.test(name));
}

/** The one exact name when the patterns are exactly that (a field selector can then do the filtering). */
export function singleExactName(patterns: readonly string[]): string | undefined {
  const unique = [...new Set(patterns)];
  return unique.length === 1 && unique[0] !== undefined && isExactName(unique[0]) ? unique[0] : undefined;
}

/**
 * Pure: the application namespaces, the listed ones and those the selector matched on the control
 * plane, deduplicated and sorted.
 */
export function selectNamespaces(listed: readonly string[], selected: readonly string[]): string[] {
  return [...new Set([...listed, ...selected])].sort();
}
