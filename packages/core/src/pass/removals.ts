/** A cluster that left the directory but is still a member in meshd's state. */
export interface LeavingCluster {
  name: string;
  /** Set when an earlier pass held its removal. */
  heldSince?: string;
  /** Set when an earlier pass, deciding on a mass removal, let this one go (it stays let go). */
  approvedAt?: string;
}

/** Which leaving clusters a pass may remove, and which it holds (deletion budget, rule 9). */
export interface RemovalDecision {
  removable: string[];
  held: string[];
  /** Why the held ones are held (for plan, apply output and /status). */
  reason?: string;
}

/**
 * Pure: the deletion budget. At most `maxPerPass` clusters are removed by one pass; when more are
 * leaving, the first `maxPerPass` (by name) are let go and the rest are held until a human confirms —
 * with `allowRemovals` (`meshd apply --allow-removals N`, up to N more) or by raising the limit so
 * that every leaving cluster fits. The decision is remembered (approvedAt, heldSince): later passes
 * keep it, so the budget does not refill pass after pass, new departures join the held ones, and
 * concurrent scoped passes agree whichever of them decided first. In the daemon each remote key is a
 * pass of its own: the first key that sees a set of departures decides for all of them, so the budget
 * holds per window of departures seen together, not per key. Deterministic.
 */
export function decideRemovals(leaving: readonly LeavingCluster[], maxPerPass: number, allowRemovals?: number): RemovalDecision {
  const names = leaving.map((l) => l.name).sort();
  if (names.length === 0) return { removable: [], held: [] };
  if (names.length <= maxPerPass || (allowRemovals !== undefined && names.length <= allowRemovals)) return { removable: names, held: [] };
  const approved = new Set(leaving.filter((l) => l.approvedAt !== undefined).map((l) => l.name));
  const decided = approved.size > 0 || leaving.some((l) => l.heldSince !== undefined);
  const rest = names.filter((n) => !approved.has(n));
  const extra = allowRemovals ?? (decided ? 0 : maxPerPass);
  const removable = [...approved, ...rest.slice(0, extra)].sort();
  const held = names.filter((n) => !removable.includes(n));
  const reason = `${names.length} clusters are leaving at once and removals.maxPerPass is ${maxPerPass}: held until confirmed (meshd apply --allow-removals N, or raise removals.maxPerPass and reload)`;
  return { removable, held, reason };
}
