import { getValuesArgs, historyArgs } from './helm2/args.js';
import { isReleaseNotFound, isTillerMissing, parseHistory, parseValues, recordedHash } from './helm2/parse.js';
import type { ReleaseRevision } from './helm2/parse.js';
import { helmFailureOf } from './helm2/session.js';
import type { TillerSession } from './helm2/session.js';

/** A release as Tiller keeps it: its revisions and the meshd marks in their values. */
export interface ObservedTillerRelease {
  /** Oldest first; never empty. */
  revisions: ReleaseRevision[];
  /** The hash meshd recorded in the latest revision's values; undefined when that revision is not meshd's. */
  latestHash: string | undefined;
  /**
   * True when meshd installed the release: its latest or its first listed revision carries meshd's
   * mark. A release meshd installed stays meshd's after an operator's `helm upgrade` without it.
   */
  owned: boolean;
  /**
   * The newest earlier revision Tiller deployed successfully (the rollback target), with its hash
   * (read only when the latest revision is not DEPLOYED).
   */
  lastGood: { revision: number; hash: string | undefined } | undefined;
  /**
   * The clock (epoch ms) when the history was read: a PENDING_* revision written less than the lock
   * lease before it is another client's operation in progress (decide.ts). Undefined: none is judged live.
   */
  observedAt?: number;
}

/** What observing through Tiller found: no Tiller (port-forward found no pod), or Tiller and the release if any. */
export type TillerObservation = { tiller: 'missing'; reason: string } | { tiller: 'found'; release: ObservedTillerRelease | undefined };

/** The newest revision before the latest one that Tiller deployed successfully (DEPLOYED or SUPERSEDED). Pure. */
export function lastGoodRevision(revisions: readonly ReleaseRevision[]): ReleaseRevision | undefined {
  return revisions.slice(0, -1).findLast((r) => r.status === 'DEPLOYED' || r.status === 'SUPERSEDED');
}

async function historyOf(session: TillerSession, release: string): Promise<ReleaseRevision[] | { missing: string }> {
  try {
    return parseHistory(await session.run(historyArgs(release)));
  } catch (err) {
    const failure = helmFailureOf(err);
    if (failure && isReleaseNotFound(failure.stderr)) return [];
    if (failure && isTillerMissing(failure.stderr) && session.options.location.host === undefined) return { missing: failure.stderr };
    throw err;
  }
}

/**
 * The release's ownership and rollback target from its history and the latest revision's mark: reads
 * the rollback target's values when the latest is not DEPLOYED, and the first revision's when the
 * latest carries no mark (a release meshd installed stays meshd's after an operator's upgrade).
 */
async function markedRevisions(
  history: ReleaseRevision[],
  latestHash: string | undefined,
  hashOf: (revision: number) => Promise<string | undefined>,
): Promise<Omit<ObservedTillerRelease, 'observedAt'>> {
  const good = lastGoodRevision(history);
  const first = history[0];
  const newest = history.at(-1);
  const [goodHash, firstHash] = await Promise.all([
    good !== undefined && newest?.status !== 'DEPLOYED' ? hashOf(good.revision) : undefined,
    latestHash === undefined && first !== undefined && first !== newest ? hashOf(first.revision) : undefined,
  ]);
  const owned = latestHash !== undefined || firstHash !== undefined;
  return { revisions: history, latestHash, owned, lastGood: good === undefined ? undefined : { revision: good.revision, hash: goodHash } };
}

/**
 * Reads a release through Tiller with read-only commands only (`helm history`, `helm get values` of
 * the latest revision, and of the first when the latest is not meshd's, and of the rollback target
 * when the latest is not DEPLOYED).
 * Throws MESHD_ERR_TILLER when Tiller cannot be reached or answers with an error: an unreachable
 * Tiller is never taken for an absent release. The caller retries.
 */
export async function observeTillerRelease(session: TillerSession, release: string, now: () => number = Date.now): Promise<TillerObservation> {
  const hashOf = async (revision?: number): Promise<string | undefined> => recordedHash(parseValues(await session.run(getValuesArgs(release, revision))));
  // The latest revision's values are read alongside the history (one round trip less); a release
  // that does not exist fails both, and the history's answer decides.
  const [history, latest] = await Promise.all([
    historyOf(session, release),
    hashOf().then(
      (hash) => ({ hash }),
      (error: unknown) => ({ error }),
    ),
  ]);
  if (!Array.isArray(history)) return { tiller: 'missing', reason: history.missing };
  const observedAt = now();
  const newest = history.at(-1);
  if (newest === undefined) return { tiller: 'found', release: undefined };
  if ('error' in latest) throw latest.error;
  return { tiller: 'found', release: { ...(await markedRevisions(history, latest.hash, hashOf)), observedAt } };
}
