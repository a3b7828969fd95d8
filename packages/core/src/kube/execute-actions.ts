import type { ClusterClient } from '../cluster/client.js';
import pLimit from 'p-limit';
import { MeshdError } from '../errors.js';
import type { ObjectAction } from '../plan/objects.js';
import { executionWaves } from '../plan/waves.js';
import { applyObject, deleteObject, describeError, replaceObject } from './io.js';
import type { KubeObject } from './object.js';

/**
 * What executed actions did to which objects, filled in as each action finishes (so a run that fails
 * halfway still tells what it created). The caller records it in the journal; the executor only reports.
 */
export interface ExecutionOutcome {
  /** Object key → UID the API server returned, for every object created, updated or re-created. */
  applied: Map<string, string>;
  /** Keys of objects deleted (or found already gone). */
  deleted: Set<string>;
}

/** Result of executing actions on one cluster. */
export interface ExecutionResult extends ExecutionOutcome {
  /** Write requests sent. */
  writes: number;
}

/** An empty outcome to pass to executeActions. */
export function emptyOutcome(): ExecutionOutcome {
  return { applied: new Map(), deleted: new Set() };
}

function noteApplied(outcome: ExecutionOutcome, key: string, live: KubeObject): void {
  const uid = live.metadata.uid;
  if (typeof uid === 'string') outcome.applied.set(key, uid);
}

async function executeOne(client: ClusterClient, action: ObjectAction, outcome: ExecutionOutcome): Promise<number> {
  switch (action.op) {
    case 'create':
    case 'update':
      noteApplied(outcome, action.key, action.replace ? await replaceObject(client, required(action)) : await applyObject(client, required(action)));
      return 1;
    case 'recreate':
      await deleteObject(client, action.ref);
      noteApplied(outcome, action.key, await applyObject(client, required(action)));
      return 2;
    case 'delete':
      await deleteObject(client, action.ref);
      outcome.deleted.add(action.key);
      return 1;
    default:
      return 0;
  }
}

function required(action: ObjectAction): KubeObject {
  if (!action.desired) throw new MeshdError('MESHD_ERR_INTERNAL', `action ${action.op} on ${action.key} has no object`);
  return action.desired;
}

/** Writes to one cluster in flight at once within a wave (its keep-alive agent has as many sockets). */
const WAVE_CONCURRENCY = 4;

function applyError(client: ClusterClient, action: ObjectAction, err: unknown): MeshdError {
  const where = `${action.ref.namespace ? action.ref.namespace + '/' : ''}${action.ref.name}`;
  return new MeshdError('MESHD_ERR_APPLY', `${client.name}: ${action.op} ${action.ref.kind} ${where} failed: ${describeError(err)}`, { cause: err });
}

/** Runs one wave, at most WAVE_CONCURRENCY at a time; every started action finishes before it returns. */
async function executeWave(client: ClusterClient, wave: readonly ObjectAction[], signal: AbortSignal | undefined, outcome: ExecutionOutcome): Promise<{ writes: number; done: number; failure?: MeshdError }> {
  const limit = pLimit(WAVE_CONCURRENCY);
  let writes = 0;
  let done = 0;
  let failure: MeshdError | undefined;
  const run = async (action: ObjectAction): Promise<void> => {
    if (failure !== undefined || signal?.aborted) return; // stop starting new writes after a failure
    try {
      const sent = await executeOne(client, action, outcome); // not `writes += await …`: that reads `writes` before the await
      writes += sent;
      done += 1;
    } catch (err) {
      failure ??= applyError(client, action, err);
    }
  };
  await Promise.all(wave.map((action) => limit(() => run(action))));
  return failure ? { writes, done, failure } : { writes, done };
}

/**
 * Executes planned actions in their order, wave by wave (executionWaves: what shares a kind rank
 * runs concurrently), stopping after the first failure (the next pass re-plans from what is live).
 * Decides nothing: the plan did. Reports what it did into `outcome` (pass one to read it after a
 * failure) and returns it with the write count.
 */
export async function executeActions(client: ClusterClient, actions: readonly ObjectAction[], signal?: AbortSignal, outcome: ExecutionOutcome = emptyOutcome()): Promise<ExecutionResult> {
  let writes = 0;
  for (const wave of executionWaves(actions)) {
    signal?.throwIfAborted();
    const result = await executeWave(client, wave, signal, outcome);
    writes += result.writes;
    if (result.failure) throw result.failure;
    if (result.done < wave.length) signal?.throwIfAborted();
  }
  return { writes, ...outcome };
}

