import type { ObjectAction } from './objects.js';
import { applyRank } from './order.js';

/** Whether an action removes its object or writes it (a recreate writes it in the end). */
function direction(action: ObjectAction): 'remove' | 'write' {
  return action.op === 'delete' ? 'remove' : 'write';
}

/**
 * Pure: splits planned actions, already in apply/delete order, into waves that may run concurrently.
 * A wave is a run of consecutive actions of the same kind rank (APPLY_ORDER) and the same direction,
 * so a Namespace is written before what lives in it and a workload is deleted before its
 * ServiceAccount, exactly as the sequential order promised; within a wave nothing depends on
 * anything else. Actions that write nothing (keep, conflict, orphan) are dropped. Order within and
 * across waves is kept.
 */
export function executionWaves(actions: readonly ObjectAction[]): ObjectAction[][] {
  const waves: ObjectAction[][] = [];
  let previous: { rank: number; direction: string } | undefined;
  for (const action of actions) {
    if (action.op !== 'create' && action.op !== 'update' && action.op !== 'recreate' && action.op !== 'delete') continue;
    const current = { rank: applyRank(action.ref.kind), direction: direction(action) };
    const last = waves.at(-1);
    if (last && previous?.rank === current.rank && previous.direction === current.direction) last.push(action);
    else waves.push([action]);
    previous = current;
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
