import type { ClusterClient } from '../cluster/client.js';
import pLimit from 'p-limit';
import { MeshdError } from '../errors.js';
import type { ObjectAction } from '../plan/objects.js';
import { executionWaves } from '../plan/waves.js';
import { applyObject, deleteObject, describeError, replaceObject } from './io.js';
import type { KubeObject } from './object.js';

/** Result of executing actions on one cluster. */
export interface ExecutionResult {
  /** Write requests sent. */
  writes: number;
}

async function executeOne(client: ClusterClient, action: ObjectAction): Promise<number> {
  switch (action.op) {
    case 'create':
    case 'update':
      if (action.replace) await replaceObject(client, required(action));
      else await applyObject(client, required(action));
      return 1;
    case 'recreate':
      await deleteObject(client, action.ref);
      await applyObject(client, required(action));
      return 2;
    case 'delete':
      await deleteObject(client, action.ref);
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
async function executeWave(client: ClusterClient, wave: readonly ObjectAction[], signal: AbortSignal | undefined): Promise<{ writes: number; done: number; failure?: MeshdError }> {
  const limit = pLimit(WAVE_CONCURRENCY);
  let writes = 0;
  let done = 0;
  let failure: MeshdError | undefined;
  const run = async (action: ObjectAction): Promise<void> => {
    if (failure !== undefined || signal?.aborted) return; // stop starting new writes after a failure
    try {
      const sent = await executeOne(client, action); // not `writes += await …`: that reads `writes` before the await
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
 * Decides nothing: the plan did.
 */
export async function executeActions(client: ClusterClient, actions: readonly ObjectAction[], signal?: AbortSignal): Promise<ExecutionResult> {
  let writes = 0;
  for (const wave of executionWaves(actions)) {
    signal?.throwIfAborted();
    const result = await executeWave(client, wave, signal);
    writes += result.writes;
    if (result.failure) throw result.failure;
    if (result.done < wave.length) signal?.throwIfAborted();
  }
  return { writes };
}

