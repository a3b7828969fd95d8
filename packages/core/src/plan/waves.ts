import type { ObjectAction } from './objects.js';
import { APPLY_ORDER, applyRank } from './order.js';

/** Whether an action removes its object or writes it (a recreate writes it in the end). */
function direction(action: ObjectAction): 'remove' | 'write' {
  return action.op === 'delete' ? 'remove' : 'write';
}

const WORKLOADS = APPLY_ORDER[APPLY_ORDER.length - 1] ?? [];
const LISTED = APPLY_ORDER.flat();

/**
 * What the API server or its controllers check when an object of a kind is written, by kind: the
 * kinds that must be written before it. A namespaced object needs its Namespace; a binding needs its
 * role (a writer without the `bind` verb is checked against the role's rules, which must exist); a
 * Secret needs its ServiceAccount (the token controller deletes a service-account token whose
 * ServiceAccount it cannot find); a workload's pods need their ServiceAccount and read ConfigMaps,
 * Secrets and Services when they are created, so workloads wait for everything listed before them,
 * as do kinds not in APPLY_ORDER (custom resources need their CRD; anything unknown keeps the old
 * order). Kinds that need nothing of each other are written together.
 */
const NEEDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['Namespace', []],
  ['CustomResourceDefinition', []],
  ['ServiceAccount', ['Namespace']],
  ['ClusterRole', []],
  ['ClusterRoleBinding', ['ClusterRole']],
  ['Role', ['Namespace']],
  ['RoleBinding', ['Namespace', 'Role', 'ClusterRole']],
  ['ConfigMap', ['Namespace']],
  ['Secret', ['Namespace', 'ServiceAccount']],
  ['Service', ['Namespace']],
  ['Endpoints', ['Namespace']],
  ...WORKLOADS.map((kind) => [kind, LISTED.filter((k) => !WORKLOADS.includes(k))] as const),
]);

/** Pure: true when writing `kind` needs an object of kind `other` written first (NEEDS). */
export function writeNeeds(kind: string, other: string): boolean {
  // A kind not listed needs every listed kind; two unlisted kinds need nothing of each other.
  return NEEDS.get(kind)?.includes(other) ?? NEEDS.has(other);
}

/** True when a write may run at once with every write of `wave`: none needs the other (either way, so the given order is kept). */
function writesTogether(wave: readonly ObjectAction[], action: ObjectAction): boolean {
  const kind = action.ref.kind;
  return wave.every((w) => w.ref.kind === kind || (!writeNeeds(kind, w.ref.kind) && !writeNeeds(w.ref.kind, kind)));
}

/** True when `action` joins the wave before it: the same direction, and for writes nothing needed in between, for removals the same kind rank. */
function joins(wave: readonly ObjectAction[], action: ObjectAction): boolean {
  const first = wave[0];
  if (first === undefined || direction(first) !== direction(action)) return false;
  if (direction(action) === 'write') return writesTogether(wave, action);
  return applyRank(first.ref.kind) === applyRank(action.ref.kind);
}

/**
 * Pure: splits planned actions, already in apply/delete order, into waves that may run concurrently.
 * A wave is a run of consecutive actions of the same direction. Writes share a wave while none of them
 * needs another's kind written first (NEEDS: a Namespace before what lives in it, a role before its
 * binding, everything before a workload), so a release from empty costs a few round trips, not one
 * per kind; removals share a wave while they have the same kind rank (APPLY_ORDER), so a workload is
 * deleted before its ServiceAccount. Within a wave nothing depends on anything else. Actions that
 * write nothing (keep, conflict, orphan) are dropped. Order within and across waves is kept.
 */
export function executionWaves(actions: readonly ObjectAction[]): ObjectAction[][] {
  const waves: ObjectAction[][] = [];
  for (const action of actions) {
    if (action.op !== 'create' && action.op !== 'update' && action.op !== 'recreate' && action.op !== 'delete') continue;
    const last = waves.at(-1);
    if (last && joins(last, action)) last.push(action);
    else waves.push([action]);
  }
  return waves;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function definedKind(crd: ObjectAction): { group: string; kind: string } | undefined {
  const spec = crd.desired?.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
  return typeof spec?.group === 'string' && typeof spec.names?.kind === 'string' ? { group: spec.group, kind: spec.names.kind } : undefined;
}

/**
 * Pure: the failed action that `action` needs, or undefined when it may still run. Only a write
 * depends on something: on its Namespace, or on the CustomResourceDefinition that defines its kind.
 * Everything else runs although other objects failed (rule 10: one failed object never keeps
 * independent objects from being applied).
 */
export function blockedBy(action: ObjectAction, failed: readonly ObjectAction[]): ObjectAction | undefined {
  if (action.op === 'delete') return undefined;
  return failed.find((f) => {
    if (f.op === 'delete') return false;
    if (f.ref.kind === 'Namespace') return action.ref.namespace === f.ref.name;
    if (f.ref.kind !== 'CustomResourceDefinition') return false;
    const defined = definedKind(f);
    return defined !== undefined && defined.kind === action.ref.kind && defined.group === groupOf(action.ref.apiVersion);
  });
}
