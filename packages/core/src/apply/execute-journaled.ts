import type { ClusterClient } from '../cluster/client.js';
import type { JournalUpdate } from '../plan/journal.js';
import { journalAfterApply } from '../plan/journal.js';
import type { ObjectAction } from '../plan/objects.js';
import type { ObjectJournal } from '../plugin/types.js';
import { emptyOutcome } from '../plan/outcome.js';
import type { ExecutionOutcome } from '../plan/outcome.js';
import { executeActions } from './execute-actions.js';
import type { ExecutionResult } from './execute-actions.js';

/** Writes a journal update (forgotten keys first); nothing without a journal. */
export async function writeJournal(journal: ObjectJournal | undefined, update: JournalUpdate): Promise<void> {
  if (!journal) return;
  if (update.forget.length > 0) await journal.forget(update.forget);
  if (update.record.size > 0) await journal.record(update.record);
}

/** The journal side of executeJournaled: which journal, what to write before, the signal that stops it. */
export interface JournaledRun {
  journal: ObjectJournal | undefined;
  before: JournalUpdate;
  signal?: AbortSignal | undefined;
  /** Filled in as actions finish (read it after a failure); a fresh one when not given. */
  outcome?: ExecutionOutcome;
}

/**
 * Executes planned actions with their journal bookkeeping: first `before` (settled entries, pending
 * entries for creates, the migration rule — all decided by the plan), then the actions, then the
 * UIDs the API server returned and the keys deleted, recorded even when an action failed halfway.
 * Decides nothing. Without a journal it is executeActions.
 */
export async function executeJournaled(client: ClusterClient, actions: readonly ObjectAction[], journaled: JournaledRun): Promise<ExecutionResult> {
  const { journal, before, signal } = journaled;
  await writeJournal(journal, before);
  const outcome = journaled.outcome ?? emptyOutcome();
  try {
    return await executeActions(client, actions, signal, outcome);
  } finally {
    await writeJournal(journal, journalAfterApply(actions, outcome));
  }
}
