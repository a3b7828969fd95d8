import type { DesiredMesh, ValidCluster } from '../descriptor/mesh.js';
import { prerequisiteError } from '../prereq/check.js';
import type { PrerequisiteReport } from '../prereq/check.js';
import type { StateStore } from '../state/store.js';
import { memberRecordOf } from './mesh-source.js';
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
}

/** Pure: members of `remembered` that `mesh` no longer lists (the control plane never leaves this way). */
export function leavingOf(mesh: DesiredMesh, remembered: DesiredMesh | undefined): ValidCluster[] {
  const wanted = new Set([mesh.controlPlane.name, ...mesh.remotes.map((r) => r.name)]);
  return (remembered?.remotes ?? []).filter((r) => !wanted.has(r.name));
}

/** Looks up the identity of a desired cluster: this pass's probe, its record, else a probe of its own. */
type IdentityOf = (c: ValidCluster) => Promise<string | undefined>;

/** Leaving clusters whose recorded identity is a desired cluster's: old name → new name. */
async function findRenames(state: StateStore, mesh: DesiredMesh, leaving: readonly ValidCluster[], identityOf: IdentityOf): Promise<Map<string, string>> {
  const renames = new Map<string, string>();
  const withIdentity = leaving.filter((c) => state.member(c.name)?.identity !== undefined);
  if (withIdentity.length === 0) return renames;
  const identities = new Map<string, string>();
  for (const r of mesh.remotes) {
    const id = await identityOf(r);
    if (id !== undefined) identities.set(id, r.name);
  }
  for (const c of withIdentity) {
    const to = identities.get(state.member(c.name)?.identity ?? '');
    if (to !== undefined) renames.set(c.name, to);
  }
  return renames;
}

/** What planLeaving needs from the pass. */
export interface LeavingInput {
  mesh: DesiredMesh;
  remembered: DesiredMesh | undefined;
  probes: readonly ProbedCluster[];
  probe: (c: ValidCluster) => Promise<ProbedCluster>;
}

/**
 * Finds renames and applies the deletion budget. A desired cluster's identity comes from this pass's
 * probe, else from its record; a desired cluster meshd does not know yet is probed only when some
 * leaving cluster has a recorded identity to compare with.
 */
export async function planLeaving(opts: PassOptions, input: LeavingInput): Promise<LeavingPlan> {
  const all = leavingOf(input.mesh, input.remembered);
  const probed = new Map(input.probes.map((p) => [p.name, p.facts?.identity]));
  const state = opts.state;
  const identityOf: IdentityOf = async (c) => probed.get(c.name) ?? state?.member(c.name)?.identity ?? (await input.probe(c)).facts?.identity;
  const renames = state ? await findRenames(state, input.mesh, all, identityOf) : new Map<string, string>();
  const leaving = all.filter((c) => !renames.has(c.name));
  const candidates = leaving.map((c) => {
    const since = state?.member(c.name)?.heldSince;
    return since === undefined ? { name: c.name } : { name: c.name, heldSince: since };
  });
  const budget = decideRemovals(candidates, opts.config.removals?.maxPerPass ?? 1, opts.allowRemovals);
  return { renames, budget, leaving };
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

/**
 * Apply mode: writes what the pass is about to act on into the state directory before any cluster
 * is touched: members (the control plane, every desired remote that is joined or about to join),
 * renames (record and journal move to the new name) and held removals (stamped once).
 */
export async function rememberBeforeActing(opts: PassOptions, input: RememberInput): Promise<void> {
  const state = opts.state;
  if (!state || opts.mode !== 'apply') return;
  for (const [from, to] of input.leaving.renames) {
    await state.renameJournal(from, to);
    await state.removeMember(from);
  }
  const cp = input.mesh.controlPlane;
  await state.putMember(memberRecordOf(cp, state.member(cp.name), input.cp.facts?.identity));
  for (const { cluster, identity } of membersToRecord(input)) await state.putMember(memberRecordOf(cluster, state.member(cluster.name), identity));
  const now = (opts.now?.() ?? new Date()).toISOString();
  for (const name of input.leaving.budget.held) {
    const record = state.member(name);
    if (record && record.heldSince === undefined) await state.putMember({ ...record, heldSince: now });
  }
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
    components: [{ component: 'membership', state: 'renamed', reason: `same cluster (kube-system UID) as ${to}: nothing is uninstalled`, changes: [{ op: 'rename', kind: 'Cluster', name: `${c.name} → ${to}` }], writes: 0 }],
  };
}

/** The report of a leaving cluster whose removal the deletion budget holds. */
export function heldReport(c: ValidCluster, server: string, reason: string): ClusterReport {
  return { name: c.name, role: 'remote', server, reachable: false, state: 'held', lastError: `MESHD_ERR_REMOVAL_HELD: removal held: ${reason}`, warnings: [], components: [] };
}

/** What leaveMesh needs from the pass. */
export interface LeaveInput {
  plan: LeavingPlan;
  remembered: DesiredMesh | undefined;
  inScope: (name: string) => boolean;
  serverOf: (c: ValidCluster) => string;
  /** Runs every component's removal on a really leaving cluster. */
  remove: (c: ValidCluster) => Promise<ClusterReport>;
  limit: number;
}

/** The leaving clusters in scope: renames reported, held ones reported, the rest removed (bounded concurrency). */
export async function leaveMesh(input: LeaveInput): Promise<ClusterReport[]> {
  const { plan, inScope } = input;
  const renamed = [...plan.renames].flatMap(([from, to]) => {
    const c = input.remembered?.remotes.find((r) => r.name === from);
    return c && inScope(from) ? [renamedReport(c, to, input.serverOf(c))] : [];
  });
  const held = plan.leaving.filter((r) => inScope(r.name) && plan.budget.held.includes(r.name)).map((r) => heldReport(r, input.serverOf(r), plan.budget.reason ?? ''));
  const removable = plan.leaving.filter((r) => inScope(r.name) && plan.budget.removable.includes(r.name));
  return [...renamed, ...held, ...(await mapLimit(removable, input.limit, input.remove))];
}

/** After the pass (apply mode): forgets the members whose removal finished. */
export async function forgetRemoved(opts: PassOptions, removals: readonly ClusterReport[]): Promise<void> {
  if (!opts.state || opts.mode !== 'apply') return;
  for (const r of removals) if (r.state === 'removed') await opts.state.removeMember(r.name);
}
