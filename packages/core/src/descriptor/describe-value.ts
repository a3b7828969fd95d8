/**
 * How many characters of a string a message quotes from a file that does not look like a cluster
 * descriptor: enough to recognise a typo, too few to echo a stray token or password.
 */
export const BRIEF_QUOTE_LENGTH = 10;

/**
 * Words for a value in a message: strings quoted (shortened to `maxLength` characters, `...`
 * included), other kinds named. Never dumps large values.
 */
export function describeValue(value: unknown, maxLength = 60): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > maxLength ? `${value.slice(0, Math.max(0, maxLength - 3))}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'object') return describeObjectKind(value);
  return typeof value;
}

/** Names a non-null object by its shape: a list, binary data, a date or (anything else) a mapping. */
function describeObjectKind(value: object): string {
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof Date) return 'a date';
  return 'a mapping';
}

/** The kind of a value without its content, for messages about files that hold credentials. */
export function describeKind(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return describeValue(value);
}

/** Names a zod "expected" type the way a YAML user thinks of it. */
export function describeExpected(expected: string): string {
  const words: Record<string, string> = {
    string: 'a string',
    object: 'a mapping',
    record: 'a mapping',
    map: 'a mapping',
    array: 'a list',
    tuple: 'a list',
    boolean: 'true or false',
    number: 'a number',
    int: 'a whole number',
    literal: 'a fixed value',
  };
  return words[expected] ?? expected;
}

/** The closest candidate to `word` (edit distance ≤ 2, or same lowercase), for "did you mean" hints. */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, capped work for long strings (returns a large number past 64 chars). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64 || b.length > 64) return 99;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) previous = nextDistanceRow(previous, a[i - 1], b, i);
  return previous[b.length] ?? 99;
}

/** One Levenshtein row: distances from the first `i` characters of a (ending in `char`) to each prefix of b. */
function nextDistanceRow(previous: readonly number[], char: string | undefined, b: string, i: number): number[] {
  const current = [i];
  for (let j = 1; j <= b.length; j++) {
    const cost = char === b[j - 1] ? 0 : 1;
    current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
  }
  return current;
}
