import { changeOf } from '@meshd/core/release';
import { isWrite, shortHash } from '@meshd/core/plan';
import type { KubeObject } from '@meshd/core/kube';
import type { ObjectAction } from '@meshd/core/plan';
import type { PlannedChange } from '@meshd/core';
import { CA_SECRET } from './desired.js';
import { SOURCE_ANNOTATION, SOURCE_HASH_ANNOTATION } from './metadata.js';
import type { SecretsSteps } from './plan.js';

/** A summary of planned steps as `meshd plan` shows it: a named state, a reason, value-free changes. */
export interface SecretsSummary {
  state: 'absent' | 'in-sync' | 'out-of-sync' | 'drifted' | 'unmanaged';
  reason: string;
  changes: PlannedChange[];
  /** One clear message per same-named secret meshd does not own (left untouched). */
  conflicts: string[];
}

const LIST_LIMIT = 5;

function listed(items: readonly string[]): string {
  const shown = items.slice(0, LIST_LIMIT).join(', ');
  return items.length > LIST_LIMIT ? `${shown} and ${items.length - LIST_LIMIT} more` : shown;
}

function hashOf(obj: KubeObject | null | undefined): string | undefined {
  const h = obj?.metadata.annotations?.[SOURCE_HASH_ANNOTATION];
  return h === undefined ? undefined : shortHash(h);
}

function where(a: ObjectAction): string {
  return a.ref.namespace ? `${a.ref.namespace}/${a.ref.name}` : a.ref.name;
}

function conflictMessage(target: string, a: ObjectAction): string {
  const hint =
    a.ref.namespace === CA_SECRET.namespace && a.ref.name === CA_SECRET.name
      ? ' (the remote Citadel probably made its own CA: with adopt, restart istio-citadel after the copy)'
      : '';
  return `${target}: Secret ${where(a)} exists and is not managed by meshd: left untouched (set adopt: true to take it over)${hint}`;
}

/** Display change of one action, with source identity and short hashes (never data). */
function changeWithHashes(a: ObjectAction, live: ReadonlyMap<string, KubeObject | null>, target: string): PlannedChange | undefined {
  const change = changeOf(a);
  if (!change) return undefined;
  if (a.op === 'conflict') change.detail = [conflictMessage(target, a)];
  change.detail = [...(change.detail ?? []), ...hashDetail(a, live)];
  return change;
}

/** Short hashes of the wanted content (with its source; not for a conflict) and of a copy that differs from it. */
function hashDetail(a: ObjectAction, live: ReadonlyMap<string, KubeObject | null>): string[] {
  const source = a.desired?.metadata.annotations?.[SOURCE_ANNOTATION];
  const wanted = hashOf(a.desired);
  const had = hashOf(live.get(a.key));
  const detail: string[] = [];
  if (source !== undefined && wanted !== undefined && a.op !== 'conflict') detail.push(`source ${source} @${wanted}`);
  if (had !== undefined && had !== wanted) detail.push(`copy has @${had}`);
  return detail;
}

function stateOf(actions: readonly ObjectAction[], conflicts: number, anyOwned: boolean): SecretsSummary['state'] {
  if (conflicts > 0) return 'unmanaged';
  const writes = actions.filter(isWrite);
  if (writes.length === 0) return 'in-sync';
  if (!anyOwned && writes.every((a) => a.op === 'create')) return 'absent';
  return writes.some((a) => a.reason.startsWith('drifted')) ? 'drifted' : 'out-of-sync';
}

function counts(actions: readonly ObjectAction[]): string {
  const byOp = new Map<string, number>();
  for (const a of actions.filter((x) => x.ref.kind === 'Secret')) byOp.set(a.op, (byOp.get(a.op) ?? 0) + 1);
  const order = ['create', 'update', 'recreate', 'delete', 'keep', 'conflict', 'orphan'];
  const parts = order.filter((op) => byOp.has(op)).map((op) => `${byOp.get(op)} ${op === 'keep' ? 'in sync' : op}`);
  return parts.length > 0 ? `copies: ${parts.join(', ')}` : 'no copies wanted';
}

/** Copies left in place (their source is gone) and namespaces whose copies are blocked, as orphan changes. */
function leftAloneChanges(steps: SecretsSteps): PlannedChange[] {
  const changes: PlannedChange[] = [];
  for (const copy of steps.retained) {
    const source = copy.metadata.annotations?.[SOURCE_ANNOTATION] ?? 'unknown';
    changes.push({
      op: 'orphan',
      kind: 'Secret',
      namespace: copy.metadata.namespace ?? '',
      name: copy.metadata.name,
      detail: [`source ${source} is gone: copy left in place`],
    });
  }
  for (const [ns, b] of [...steps.blockedNamespaces].sort(([x], [y]) => x.localeCompare(y))) {
    const why = b.state === 'terminating' ? 'is terminating' : 'is missing (createNamespaces is off)';
    changes.push({ op: 'orphan', kind: 'Namespace', name: ns, detail: [`${why}: ${b.copies} secret(s) not copied`] });
  }
  return changes;
}

/** What the reason adds after the counts: conflicts, missing sources, skipped sources, blocked namespaces (in that order). */
function reasonParts(target: string, steps: SecretsSteps): string[] {
  const parts: string[] = [];
  const conflicting = steps.actions.filter((a) => a.op === 'conflict');
  if (conflicting.length > 0) parts.push(`${conflicting.length} not owned by meshd: ${listed(conflicting.map(where))}`);
  if (steps.missingSources.length > 0) parts.push(`sources missing on the control plane (copies left in place): ${listed(steps.missingSources)}`);
  if (steps.skipped.length > 0) parts.push(`not copied: ${listed(steps.skipped)}`);
  if (steps.blockedNamespaces.size > 0) parts.push(`namespaces missing on ${target}: ${listed([...steps.blockedNamespaces.keys()].sort())}`);
  return parts;
}

/** Pure: the state, reason and changes of planned steps on `target`. */
export function summarise(target: string, steps: SecretsSteps, live: ReadonlyMap<string, KubeObject | null>, anyOwned: boolean): SecretsSummary {
  const conflicts = steps.actions.filter((a) => a.op === 'conflict').map((a) => conflictMessage(target, a));
  const changes = [
    ...steps.actions.map((a) => changeWithHashes(a, live, target)).filter((c): c is PlannedChange => c !== undefined),
    ...leftAloneChanges(steps),
  ];
  const parts = [counts(steps.actions), ...reasonParts(target, steps)];
  return { state: stateOf(steps.actions, conflicts.length, anyOwned), reason: parts.join('; '), changes, conflicts };
}
