import type { ClusterStatus, ComponentStatus, TimelineView } from './status.js';

/** What kind of change a timeline entry records. */
export type TimelineKind = 'reconcile' | 'endpoints' | 'joined' | 'removed' | 'state' | 'restored' | 'applied';

/** One line of the status page's timeline: something the daemon did or saw, with when. */
export interface TimelineEvent {
  /** Increasing number; the page uses it to tell new entries from ones it already shows. */
  seq: number;
  /** ISO time. */
  at: string;
  kind: TimelineKind;
  /** The cluster it is about, when it is about one. */
  cluster?: string;
  /** One sentence for a person ("Pilot moved 192.0.2.5 → 192.0.2.9"). */
  text: string;
  /** True for failures (a reconcile that ended in error, a cluster going unreachable). */
  problem?: boolean;
}

/** A timeline entry before it is numbered. */
export type TimelineEntry = Omit<TimelineEvent, 'seq'>;

/** How many entries the page keeps (the newest). */
export const TIMELINE_LENGTH = 100;

type View = TimelineView;

const EMPTY_VIEW: View = { clusters: [], removed: [] };

const ENDPOINT_NAMES = { pilot: 'Pilot', policy: 'Mixer policy', statsd: 'statsd bridge' } as const;

function endpointEntries(prev: View, next: View, at: string): TimelineEntry[] {
  if (next.endpoints === undefined) return [];
  return (Object.keys(ENDPOINT_NAMES) as (keyof typeof ENDPOINT_NAMES)[]).flatMap((key) => {
    const before = prev.endpoints?.[key];
    const now = next.endpoints?.[key];
    if (now === undefined || before === now) return [];
    const text = before === undefined ? `${ENDPOINT_NAMES[key]} found at ${now}` : `${ENDPOINT_NAMES[key]} moved ${before} → ${now}`;
    return [{ at, kind: 'endpoints' as const, text }];
  });
}

type ViewReconcile = NonNullable<View['lastReconcile']>;

/** Whether `prev` already shows the reconcile `last` (same key, same end). */
function sameReconcile(prev: View, last: ViewReconcile): boolean {
  return prev.lastReconcile?.at === last.at && prev.lastReconcile.key === last.key;
}

/** How a reconcile ended, in words: converged, not converged, or its result. */
function reconcileOutcome(last: ViewReconcile): string {
  if (last.result !== 'success') return last.result;
  return last.converged === false ? 'not converged' : 'converged';
}

/** Whether a reconcile ended in a way the timeline marks as a problem. */
function reconcileProblem(last: ViewReconcile): boolean {
  return last.result === 'error' || last.result === 'terminal' || last.converged === false;
}

function reconcileEntry(prev: View, next: View): TimelineEntry[] {
  const last = next.lastReconcile;
  if (last === undefined || sameReconcile(prev, last)) return [];
  const error = last.error === undefined ? '' : `: [${last.error.code}] ${last.error.message}`;
  const entry: TimelineEntry = { at: last.at, kind: 'reconcile', text: `reconcile ${last.key} ${reconcileOutcome(last)} in ${last.durationMs} ms${error}` };
  if (reconcileProblem(last)) entry.problem = true;
  return [entry];
}

/** What a component's newest pass wrote, when it wrote anything: restored after drift, or applied. */
function componentEntry(cluster: ClusterStatus, component: ComponentStatus | undefined, what: string): TimelineEntry[] {
  if (component === undefined || component.writes === 0 || component.error !== undefined) return [];
  const restored = component.observed === 'drifted';
  const text = restored
    ? `${cluster.name}: ${what} restored after drift (${component.writes} writes)`
    : `${cluster.name}: ${what} applied, was ${component.observed} (${component.writes} writes)`;
  return [{ at: cluster.updatedAt, kind: restored ? 'restored' : 'applied', cluster: cluster.name, text }];
}

function clusterEntries(before: ClusterStatus | undefined, now: ClusterStatus, at: string): TimelineEntry[] {
  if (before === undefined) return [{ at, kind: 'joined', cluster: now.name, text: `${now.name} (${now.role}) is in the mesh: ${now.state}` }];
  if (before.updatedAt === now.updatedAt) return [];
  const entries: TimelineEntry[] = [];
  if (before.state !== now.state) {
    const entry: TimelineEntry = { at: now.updatedAt, kind: 'state', cluster: now.name, text: `${now.name}: ${before.state} → ${now.state}` };
    if (!now.reachable || now.state === 'error' || now.state === 'failed' || now.state === 'unauthorized') entry.problem = true;
    entries.push(entry);
  }
  return [...entries, ...componentEntry(now, now.secrets, 'istio.default copies'), ...componentEntry(now, now.release, 'release')];
}

/**
 * The timeline entries between two successive views (pure): endpoints that moved, clusters that
 * joined, left or changed state, copies and releases written (restored when they had drifted), and a
 * new reconcile. The daemon compares each reconcile's views before and after it (of the clusters it
 * reported), so two reports close together are two sets of entries. `at` stamps what the views do
 * not date themselves.
 */
export function timelineEntries(prev: View | undefined, next: View, at: string): TimelineEntry[] {
  const base = prev ?? EMPTY_VIEW;
  const known = new Map(base.clusters.map((c) => [c.name, c]));
  const removedBefore = new Set(base.removed.map((r) => `${r.name}@${r.at}`));
  const removed = next.removed
    .filter((r) => !removedBefore.has(`${r.name}@${r.at}`))
    .map((r): TimelineEntry => ({ at: r.at, kind: 'removed', cluster: r.name, text: `${r.name} left the mesh` }));
  const clusters = next.clusters.flatMap((c) => clusterEntries(known.get(c.name), c, at));
  return [...endpointEntries(base, next, at), ...removed, ...clusters, ...reconcileEntry(base, next)];
}

/** Appends entries (numbered from `nextSeq`) and keeps the newest TIMELINE_LENGTH (pure). */
export function appendTimeline(timeline: readonly TimelineEvent[], entries: readonly TimelineEntry[], nextSeq: number): TimelineEvent[] {
  const numbered = entries.map((e, i) => ({ ...e, seq: nextSeq + i }));
  return [...timeline, ...numbered].slice(-TIMELINE_LENGTH);
}
