import type { ObjectJournal } from '../plugin/types.js';
import type { StateStore } from './store.js';

/** The journal of one cluster and owner, backed by the state directory (see ObjectJournal). */
export function objectJournal(state: StateStore, cluster: string, owner: string): ObjectJournal {
  return {
    cluster,
    owner,
    entries: () => state.journal(cluster, owner),
    record: (entries) => state.record(cluster, owner, entries),
    forget: (keys) => state.forget(cluster, owner, keys),
    inventoryKey: () => state.inventoryKey(),
  };
}

/** Every owner's journal on one cluster, or undefined without a state directory (label-only ownership). */
export function journalsOf(state: StateStore | undefined, cluster: string): ((owner: string) => ObjectJournal) | undefined {
  return state === undefined ? undefined : (owner) => objectJournal(state, cluster, owner);
}
