/** A request, or anything waited for, by when it started and ended (any clock; unanswered: end undefined). */
export interface TimedSpan {
  start: number;
  end?: number;
}

/**
 * Length of the longest chain of spans each starting after the one before it ended: a run's round
 * trips in sequence. An upper bound of what depended on what (independent requests that happened not
 * to overlap count too), and the lower the fewer times a run waited for an answer before asking more.
 */
export function roundTripsInSequence(spans: readonly TimedSpan[]): number {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  sorted.forEach((span, i) => {
    let longest = 0;
    for (let j = 0; j < i; j++) if ((sorted[j]?.end ?? Infinity) <= span.start) longest = Math.max(longest, depth[j] ?? 0);
    depth.push(longest + 1);
  });
  return Math.max(0, ...depth);
}
