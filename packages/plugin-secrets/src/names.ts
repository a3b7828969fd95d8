import { isExactName } from '@meshd/core';

export { isExactName, nameMatcher } from '@meshd/core';

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
