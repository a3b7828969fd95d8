/**
 * Drift detection without a server round-trip: the live object must contain everything meshd asked
 * for. The API server adds defaults (protocol: TCP, sessionAffinity, …) and status; those are
 * allowed. Arrays must have the same length and match element by element.
 */
export function containsDesired(live: unknown, desired: unknown): boolean {
  return firstDifference(live, desired, '') === undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function arrayDifference(live: unknown, desired: unknown[], path: string): string | undefined {
  if (!Array.isArray(live) || live.length !== desired.length) return path || '.';
  for (let i = 0; i < desired.length; i++) {
    const d = firstDifference(live[i], desired[i], `${path}[${i}]`);
    if (d !== undefined) return d;
  }
  return undefined;
}

function objectDifference(live: unknown, desired: Record<string, unknown>, path: string): string | undefined {
  if (!isRecord(live)) return path || '.';
  for (const [key, value] of Object.entries(desired)) {
    if (value === undefined) continue;
    const d = firstDifference(live[key], value, `${path}.${key}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** The path of the first place where live lacks or contradicts desired, or undefined. */
export function firstDifference(live: unknown, desired: unknown, path: string): string | undefined {
  if (Array.isArray(desired)) return arrayDifference(live, desired, path);
  if (isRecord(desired)) return objectDifference(live, desired, path);
  return scalarEqual(live, desired) ? undefined : path || '.';
}

function scalarEqual(live: unknown, desired: unknown): boolean {
  if (live === desired) return true;
  // The API server may return a number where a manifest had a numeric string (ports, replicas).
  if (typeof live === 'number' && typeof desired === 'string') return String(live) === desired;
  return false;
}

/** All paths where live differs from desired (for plan output), at most `limit`. */
export function differences(live: unknown, desired: unknown, limit = 5): string[] {
  const out: string[] = [];
  const visit = (l: unknown, d: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (!isRecord(d) || !isRecord(l)) {
      if (firstDifference(l, d, path) !== undefined) out.push(path || '.');
      return;
    }
    for (const [key, value] of Object.entries(d)) if (value !== undefined) visit(l[key], value, `${path}.${key}`);
  };
  visit(live, desired, '');
  return out;
}
