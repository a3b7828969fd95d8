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
