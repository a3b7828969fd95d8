import type { DesiredMesh, ValidCluster } from '../descriptor/mesh.js';
import { prerequisiteError } from '../prereq/check.js';
import type { PrerequisiteReport } from '../prereq/check.js';
import type { StateStore } from '../state/store.js';
import { memberRecordOf } from './mesh-source.js';
import { decideRemovals } from './removals.js';
import type { RemovalDecision } from './removals.js';
import type { ProbedCluster } from './remotes.js';
import type { ClusterReport, PassOptions } from './types.js';

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

/**
 * Finds renames and applies the deletion budget. A desired cluster's identity comes from this pass's
 * probe, else from its record; a desired cluster meshd does not know yet is probed only when some
 * leaving cluster has a recorded identity to compare with.
 */
export async function planLeaving(opts: PassOptions, mesh: DesiredMesh, remembered: DesiredMesh | undefined, probes: readonly ProbedCluster[], probe: (c: ValidCluster) => Promise<ProbedCluster>): Promise<LeavingPlan> {
  const state = opts.state;
  const all = leavingOf(mesh, remembered);
  const renames = new Map<string, string>();
  const withIdentity = all.filter((c) => state?.member(c.name)?.identity !== undefined);
  if (withIdentity.length > 0) {
    const identities = new Map<string, string>();
    const probed = new Map(probes.map((p) => [p.name, p.facts?.identity]));
    for (const r of mesh.remotes) {
      const known = probed.get(r.name) ?? state?.member(r.name)?.identity ?? (await probe(r)).facts?.identity;
      if (known !== undefined) identities.set(known, r.name);
    }
    for (const c of withIdentity) {
      const to = identities.get(state?.member(c.name)?.identity ?? '');
      if (to !== undefined) renames.set(c.name, to);
    }
  }
  const leaving = all.filter((c) => !renames.has(c.name));
  const heldSince = (name: string): { heldSince?: string } => {
    const since = state?.member(name)?.heldSince;
    return since === undefined ? {} : { heldSince: since };
  };
  const budget = decideRemovals(leaving.map((c) => ({ name: c.name, ...heldSince(c.name) })), opts.config.removals?.maxPerPass ?? 1, opts.allowRemovals);
  return { renames, budget, leaving };
}

/**
 * Apply mode: writes what the pass is about to act on into the state directory before any cluster
 * is touched: members (the control plane, every desired remote that is joined or about to join),
 * renames (record and journal move to the new name) and held removals (stamped once).
 */
export async function rememberBeforeActing(opts: PassOptions, input: { mesh: DesiredMesh; cp: ProbedCluster; probes: readonly ProbedCluster[]; prereq: PrerequisiteReport; joined: ReadonlySet<string>; leaving: LeavingPlan }): Promise<void> {
  const state = opts.state;
  if (!state || opts.mode !== 'apply') return;
  const { mesh, cp, probes, prereq, joined, leaving } = input;
  for (const [from, to] of leaving.renames) {
    await state.renameJournal(from, to);
    await state.removeMember(from);
  }
  await state.putMember(memberRecordOf(mesh.controlPlane, state.member(mesh.controlPlane.name), cp.facts?.identity));
  const byName = new Map(mesh.remotes.map((r) => [r.name, r]));
  for (const p of probes) {
    const c = byName.get(p.name);
    const joining = p.facts !== undefined && !prerequisiteError(prereq, p.name);
    if (c && (joined.has(p.name) || joining)) await state.putMember(memberRecordOf(c, state.member(c.name), p.facts?.identity));
  }
  const now = (opts.now?.() ?? new Date()).toISOString();
  for (const name of leaving.budget.held) {
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

/** After the pass (apply mode): forgets the members whose removal finished. */
export async function forgetRemoved(opts: PassOptions, removals: readonly ClusterReport[]): Promise<void> {
  if (!opts.state || opts.mode !== 'apply') return;
  for (const r of removals) if (r.state === 'removed') await opts.state.removeMember(r.name);
}
