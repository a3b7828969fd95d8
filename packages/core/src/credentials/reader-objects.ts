import type { ClusterClient } from '../cluster/client.js';
import { executeJournaled, writeJournal } from '../apply/execute-journaled.js';
import { readObjects } from '../kube/io.js';
import type { KubeObject } from '../kube/object.js';
import { journalBefore, journalView } from '../plan/journal.js';
import { isWrite, planObjects } from '../plan/objects.js';
import { refKey, refOf } from '../kube/object.js';
import type { ObjectRef } from '../kube/object.js';
import type { ObjectJournal, PlannedChange } from '../plugin/types.js';
import { changesOf } from '../release/component.js';

/** Journal owner of the reader ServiceAccount, ClusterRole and binding on each cluster. */
export const CREDENTIALS_OWNER = 'credentials';

/** A plan for the reader's RBAC objects on one cluster: what it changes, and how to carry it out. */
export interface ReaderObjectsPlan {
  changes: PlannedChange[];
  writes: boolean;
  conflicts: string[];
  apply(signal?: AbortSignal): Promise<number>;
  remember(): Promise<void>;
}

/**
 * Plans the reader's objects (`desired`; empty to remove them) against the live cluster: server-side
 * apply what differs, delete what the journal recorded creating and is no longer desired, never touch
 * a same-named object meshd does not own unless `adopt`. Reads only; `apply` writes.
 */
export async function planReaderObjects(
  client: ClusterClient,
  desired: readonly KubeObject[],
  journal: ObjectJournal | undefined,
  adopt: boolean,
): Promise<ReaderObjectsPlan> {
  const previous: ObjectRef[] = journal ? [...journal.entries().values()].map((e) => e.ref) : [];
  const refs = new Map<string, ObjectRef>();
  for (const ref of [...desired.map(refOf), ...previous]) refs.set(refKey(ref), ref);
  const live = await readObjects(client, [...refs.values()]);
  const view = journalView(journal?.entries(), live);
  const actions = planObjects({ desired, live, previous, adopt, prune: true, ...(view.recorded ? { recorded: view.recorded } : {}) });
  const before = journalBefore(view, actions, live);
  const writes = actions.filter(isWrite);
  return {
    changes: changesOf(actions),
    writes: writes.length > 0,
    conflicts: actions.filter((a) => a.op === 'conflict').map((a) => a.reason),
    apply: async (signal) => (await executeJournaled(client, writes, { journal, before, signal })).writes,
    remember: () => writeJournal(journal, before),
  };
}
