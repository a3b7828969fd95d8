/** A cluster that left the directory but is still a member in meshd's state. */
export interface LeavingCluster {
  name: string;
  /** Set when an earlier pass held its removal. */
  heldSince?: string;
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
 * leaving, the first `maxPerPass` (by name) go and the rest are held until a human confirms — with
 * `allowRemovals` (`meshd apply --allow-removals N`, up to N of them) or by raising the limit so
 * that every leaving cluster fits. Once some are held, new departures are held too: the budget does
 * not refill by itself, pass after pass. Deterministic, so concurrent scoped passes agree.
 */
export function decideRemovals(leaving: readonly LeavingCluster[], maxPerPass: number, allowRemovals?: number): RemovalDecision {
  const names = leaving.map((l) => l.name).sort();
  if (names.length === 0) return { removable: [], held: [] };
  const limit = allowRemovals ?? maxPerPass;
  if (names.length <= maxPerPass || (allowRemovals !== undefined && names.length <= allowRemovals)) return { removable: names, held: [] };
  const anyHeld = leaving.some((l) => l.heldSince !== undefined);
  const removable = allowRemovals !== undefined || !anyHeld ? names.slice(0, limit) : [];
  const held = names.filter((n) => !removable.includes(n));
  const reason = `${names.length} clusters are leaving at once and removals.maxPerPass is ${maxPerPass}: held until confirmed (meshd apply --allow-removals N, or raise removals.maxPerPass and reload)`;
  return { removable, held, reason };
}
