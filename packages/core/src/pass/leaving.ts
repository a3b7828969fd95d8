import { reportError } from '../errors.js';
import type { DesiredMesh, ValidCluster } from '../descriptor/mesh.js';
import { prerequisiteError } from '../prereq/check.js';
import type { PrerequisiteReport } from '../prereq/check.js';
import type { MemberRecord, StateStore } from '../state/store.js';
import { meshFromState, memberRecordOf } from './mesh-source.js';
import { decideRemovals } from './removals.js';
import type { RemovalDecision } from './removals.js';
import type { ProbedCluster } from './remotes.js';
import type { ClusterReport, PassOptions } from './types.js';
import { mapLimit } from '../util/concurrency.js';

/** Clusters meshd remembers as members whose descriptors are gone, split into renames and removals. */
export interface LeavingPlan {
  /** Old name → new name: the same cluster (kube-system UID) under a new descriptor name. */
  renames: Map<string, string>;
  /** Leaving clusters that are really leaving, with the deletion budget's decision on them. */
  budget: RemovalDecision;
  /** Every really leaving cluster (any scope), as remembered. */
  leaving: ValidCluster[];
  /** The desired remote a live cluster identity belongs to (the last check before an uninstall). */
  ownerOf: (identity: string) => Promise<string | undefined>;
}

/**
 * The member records at the start of a pass (a consistent view, departed ones included) and the mesh
 * the members among them describe (a departed cluster, `leftAt`, is no longer a member).
 */
export function rememberedAtStart(opts: PassOptions): { records: Map<string, MemberRecord>; remembered: DesiredMesh | undefined } {
  const records = new Map((opts.state?.members() ?? []).map((r) => [r.name, r]));
  return { records, remembered: meshFromState([...records.values()].filter((r) => r.leftAt === undefined)) };
}

/** The records of clusters whose removal completed and whose credential the registry pass has yet to revoke. */
export function departedRecords(opts: PassOptions): MemberRecord[] {
  return (opts.state?.members() ?? []).filter((r) => r.leftAt !== undefined);
}

/** Pure: a record without the deletion budget's stamps and the installed backend (what membership is, not how its removal is decided). */
function membershipOf(r: MemberRecord | undefined): string {
  if (r === undefined) return '';
  const { heldSince: _held, approvedAt: _approved, backend: _backend, ...rest } = r;
  return JSON.stringify(rest);
}

/**
 * Whether a pass changed membership for the clusters it acted on: a record written, changed or
 * departed since `before` (the records at the pass's start). True without a state directory.
 */
export function membershipChanged(opts: PassOptions, before: ReadonlyMap<string, MemberRecord>): boolean {
  const state = opts.state;
  if (!state) return true;
  const names = opts.scope ?? new Set([...before.keys(), ...state.members().map((r) => r.name)]);
  return [...names].some((name) => membershipOf(before.get(name)) !== membershipOf(state.member(name)));
}

/** Pure: members of `remembered` that `mesh` no longer lists (the control plane never leaves this way). */
export function leavingOf(mesh: DesiredMesh, remembered: DesiredMesh | undefined): ValidCluster[] {
  const wanted = new Set([mesh.controlPlane.name, ...mesh.remotes.map((r) => r.name)]);
  return (remembered?.remotes ?? []).filter((r) => !wanted.has(r.name));
}

/** What planLeaving needs from the pass. */
export interface LeavingInput {
  mesh: DesiredMesh;
  remembered: DesiredMesh | undefined;
  /** The member records as they were when the pass started (a consistent view, whatever other passes do). */
  records: ReadonlyMap<string, MemberRecord>;
  probes: readonly ProbedCluster[];
  probe: (c: ValidCluster) => Promise<ProbedCluster>;
}

/**
 * Which desired remote a cluster identity belongs to. A desired cluster's identity comes from this
 * pass's probe, else from its record; one meshd does not know yet is probed (once, on first use).
 */
function desiredIdentities(input: LeavingInput): (identity: string) => Promise<string | undefined> {
  let table: Promise<Map<string, string>> | undefined;
  const probed = new Map(input.probes.map((p) => [p.name, p.facts?.identity]));
  const build = async (): Promise<Map<string, string>> => {
    const ids = new Map<string, string>();
    for (const r of input.mesh.remotes) {
      const id = probed.get(r.name) ?? input.records.get(r.name)?.identity ?? (await input.probe(r)).facts?.identity;
      if (id !== undefined) ids.set(id, r.name);
    }
    return ids;
  };
  return async (identity) => (await (table ??= build())).get(identity);
}

/**
 * Finds renames (a leaving cluster whose recorded identity is a desired cluster's) and applies the
 * deletion budget to the rest. Desired clusters are probed for their identity only when some leaving
 * cluster has a recorded identity to compare with.
 */
export async function planLeaving(opts: PassOptions, input: LeavingInput): Promise<LeavingPlan> {
  const all = leavingOf(input.mesh, input.remembered);
  const ownerOf = desiredIdentities(input);
  const renames = new Map<string, string>();
  for (const c of all) {
    const identity = input.records.get(c.name)?.identity;
    const to = identity === undefined ? undefined : await ownerOf(identity);
    if (to !== undefined) renames.set(c.name, to);
  }
  const leaving = all.filter((c) => !renames.has(c.name));
  return { renames, budget: decideBudget(opts, opts.state, leaving), leaving, ownerOf };
}

/** The deletion budget's decision on `leaving`, from what the state remembers right now. Synchronous. */
function decideBudget(opts: PassOptions, state: StateStore | undefined, leaving: readonly ValidCluster[]): RemovalDecision {
  const candidates = leaving.map((c) => {
    const record = state?.member(c.name);
    return {
      name: c.name,
      ...(record?.heldSince !== undefined ? { heldSince: record.heldSince } : {}),
      ...(record?.approvedAt !== undefined ? { approvedAt: record.approvedAt } : {}),
    };
  });
  return decideRemovals(candidates, opts.config.removals?.maxPerPass ?? 1, opts.allowRemovals);
}

/** What rememberBeforeActing records. */
export interface RememberInput {
  mesh: DesiredMesh;
  cp: ProbedCluster;
  probes: readonly ProbedCluster[];
  prereq: PrerequisiteReport;
  joined: ReadonlySet<string>;
  leaving: LeavingPlan;
}

/** The desired remotes this pass joins or keeps: already joined, or reachable and past their prerequisites. */
function membersToRecord(input: RememberInput): { cluster: ValidCluster; identity: string | undefined }[] {
  const byName = new Map(input.mesh.remotes.map((r) => [r.name, r]));
  return input.probes.flatMap((p) => {
    const cluster = byName.get(p.name);
    const joining = p.facts !== undefined && !prerequisiteError(input.prereq, p.name);
    return cluster && (input.joined.has(p.name) || joining) ? [{ cluster, identity: p.facts?.identity }] : [];
  });
}

/** Member records written at once by rememberBeforeActing (files in the state directory; fsyncs run on libuv's pool). */
const RECORDS_AT_ONCE = 16;

/**
 * Apply mode: writes what the pass is about to act on into the state directory before any cluster
 * is touched: members (the control plane, every desired remote that is joined or about to join),
 * renames (record and journal move to the new name) and held removals (stamped once).
 */
export async function rememberBeforeActing(opts: PassOptions, input: RememberInput): Promise<LeavingPlan> {
  const state = opts.state;
  if (!state || opts.mode !== 'apply') return input.leaving;
  // Decided again and marked without an await in between: concurrent passes (the daemon's keys)
  // see either no decision or all of it, never half.
  const budget = decideBudget(opts, state, input.leaving.leaving);
  const marked = rememberBudget(state, budget, (opts.now?.() ?? new Date()).toISOString());
  for (const [from, to] of input.leaving.renames) {
    await state.renameJournal(from, to);
    await state.removeMember(from);
  }
  const cp = input.mesh.controlPlane;
  await state.putMember(memberRecordOf(cp, state.member(cp.name), input.cp.facts?.identity));
  // Each record is its own file: written RECORDS_AT_ONCE at a time (a from-empty pass over 1 000
  // remotes wrote them one after another, ~6–10 ms of fsyncs each), all durable before any cluster is touched.
  const records = membersToRecord(input);
  await mapLimit(records, RECORDS_AT_ONCE, ({ cluster, identity }) => state.putMember(memberRecordOf(cluster, state.member(cluster.name), identity)));
  await marked;
  return { ...input.leaving, budget };
}

/**
 * A mass removal's decision is remembered, so that every later or concurrent pass keeps it. The
 * records change in memory synchronously (putMember's first step); the returned promise is the disk.
 */
function rememberBudget(state: StateStore, budget: RemovalDecision, now: string): Promise<unknown> {
  if (budget.reason === undefined) return Promise.resolve();
  const writes: Promise<void>[] = [];
  for (const name of budget.removable) {
    const record = state.member(name);
    if (!record || record.approvedAt !== undefined) continue;
    const { heldSince: _held, ...rest } = record;
    writes.push(state.putMember({ ...rest, approvedAt: now }));
  }
  for (const name of budget.held) {
    const record = state.member(name);
    if (record && record.heldSince === undefined && record.approvedAt === undefined) writes.push(state.putMember({ ...record, heldSince: now }));
  }
  return Promise.all(writes);
}

/** The report of a leaving cluster that is the same cluster under a new name (nothing is removed). */
export function renamedReport(c: ValidCluster, to: string, server: string): ClusterReport {
  return {
    name: c.name,
    role: 'remote',
    server,
    reachable: true,
    state: 'renamed',
    renamedTo: to,
    warnings: [],
    components: [
      {
        component: 'membership',
        state: 'renamed',
        reason: `same cluster (kube-system UID) as ${to}: nothing is uninstalled`,
        changes: [{ op: 'rename', kind: 'Cluster', name: `${c.name} → ${to}` }],
        writes: 0,
      },
    ],
  };
}

/** The report of a leaving cluster whose removal the deletion budget holds. */
export function heldReport(c: ValidCluster, server: string, reason: string): ClusterReport {
  return {
    name: c.name,
    role: 'remote',
    server,
    reachable: false,
    state: 'held',
    lastError: reportError('MESHD_ERR_REMOVAL_HELD', `removal held: ${reason}`),
    warnings: [],
    components: [],
  };
}

/** What leaveMesh needs from the pass. */
export interface LeaveInput {
  plan: LeavingPlan;
  remembered: DesiredMesh | undefined;
  inScope: (name: string) => boolean;
  serverOf: (c: ValidCluster) => string;
  probe: (c: ValidCluster) => Promise<ProbedCluster>;
  /** Runs every component's removal on a really leaving cluster. */
  remove: (p: ProbedCluster) => Promise<ClusterReport>;
  limit: number;
  opts: PassOptions;
}

/** The leaving clusters in scope: renames reported, held ones reported, the rest removed (bounded concurrency). */
export async function leaveMesh(input: LeaveInput): Promise<ClusterReport[]> {
  const { plan, inScope } = input;
  const renamed = [...plan.renames].flatMap(([from, to]) => {
    const c = input.remembered?.remotes.find((r) => r.name === from);
    return c && inScope(from) ? [renamedReport(c, to, input.serverOf(c))] : [];
  });
  const held = plan.leaving
    .filter((r) => inScope(r.name) && plan.budget.held.includes(r.name))
    .map((r) => heldReport(r, input.serverOf(r), plan.budget.reason ?? ''));
  const removable = plan.leaving.filter((r) => inScope(r.name) && plan.budget.removable.includes(r.name));
  return [...renamed, ...held, ...(await mapLimit(removable, input.limit, (c) => removeUnlessRenamed(input, c)))];
}

/**
 * Removes a really leaving cluster, unless its live identity says it is a desired cluster under
 * another name (a rename another pass recorded first, or a stale record): then it is a rename.
 */
async function removeUnlessRenamed(input: LeaveInput, c: ValidCluster): Promise<ClusterReport> {
  const { opts, plan } = input;
  const probe = await input.probe(c);
  const identity = probe.facts?.identity;
  const to = identity === undefined ? undefined : await plan.ownerOf(identity);
  if (to === undefined) return input.remove(probe);
  if (opts.state && opts.mode === 'apply') {
    await opts.state.renameJournal(c.name, to);
    await opts.state.removeMember(c.name);
  }
  return renamedReport(c, to, probe.client.server);
}

/**
 * After the removals (apply mode): a member whose removal finished is marked departed (`leftAt`); the
 * registry pass drops it from the registry, revokes its credential, then forgets it.
 */
export async function markDeparted(opts: PassOptions, removals: readonly ClusterReport[]): Promise<void> {
  const state = opts.state;
  if (!state || opts.mode !== 'apply') return;
  const at = (opts.now?.() ?? new Date()).toISOString();
  for (const r of removals) {
    const record = r.state === 'removed' ? state.member(r.name) : undefined;
    if (!record || record.leftAt !== undefined) continue;
    const { backend: _uninstalled, ...rest } = record;
    await state.putMember({ ...rest, leftAt: at });
  }
}
