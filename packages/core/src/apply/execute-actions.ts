import type { ClusterClient } from '../cluster/client.js';
import { httpStatusOf } from '../cluster/client.js';
import pLimit from 'p-limit';
import { MeshdError } from '../errors.js';
import type { ObjectAction } from '../plan/objects.js';
import { blockedBy, executionWaves } from '../plan/waves.js';
import { applyObject, deleteObject, describeError, replaceObject } from '../kube/io.js';
import type { KubeObject } from '../kube/object.js';
import { emptyOutcome } from '../plan/outcome.js';
import type { ExecutionOutcome } from '../plan/outcome.js';

/** Result of executing actions on one cluster. */
export interface ExecutionResult extends ExecutionOutcome {
  /** Write requests sent. */
  writes: number;
}

function noteApplied(outcome: ExecutionOutcome, key: string, live: KubeObject): void {
  const uid = live.metadata.uid;
  if (typeof uid === 'string') outcome.applied.set(key, uid);
  outcome.live?.set(key, live);
}

/** Write requests of one run, counted as they are sent (a failed request the API server answered counts), and what they did. */
interface WriteCounter {
  writes: number;
  outcome: ExecutionOutcome;
}

/** True when a write failed before reaching the API server: the client's discovery of the type said 404. */
function failedInDiscovery(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('Failed to fetch resource metadata');
}

async function counted<T>(counter: WriteCounter, request: Promise<T>): Promise<T> {
  try {
    const result = await request;
    counter.writes += 1;
    return result;
  } catch (err) {
    if (httpStatusOf(err) !== undefined && !failedInDiscovery(err)) counter.writes += 1;
    throw err;
  }
}

async function executeOne(client: ClusterClient, action: ObjectAction, counter: WriteCounter): Promise<void> {
  const { outcome } = counter;
  switch (action.op) {
    case 'create':
    case 'update':
      noteApplied(
        outcome,
        action.key,
        await counted(counter, action.replace ? replaceObject(client, required(action)) : applyObject(client, required(action))),
      );
      return;
    case 'recreate':
      await counted(counter, deleteObject(client, action.ref));
      noteApplied(outcome, action.key, await counted(counter, applyObject(client, required(action))));
      return;
    case 'delete':
      await counted(counter, deleteObject(client, action.ref));
      outcome.deleted.add(action.key);
      return;
    default:
      return;
  }
}

function required(action: ObjectAction): KubeObject {
  if (!action.desired) throw new MeshdError('MESHD_ERR_INTERNAL', `action ${action.op} on ${action.key} has no object`);
  return action.desired;
}

/** Writes to one cluster in flight at once within a wave (its keep-alive agent has as many sockets). */
const WAVE_CONCURRENCY = 4;

function describeAction(action: ObjectAction): string {
  return `${action.op} ${action.ref.kind} ${action.ref.namespace ? action.ref.namespace + '/' : ''}${action.ref.name}`;
}

/** The catalogue error of one failed write: unserved type and invalid object are terminal (retrying cannot help). */
function applyError(client: ClusterClient, action: ObjectAction, err: unknown): MeshdError {
  const what = `${client.name}: ${describeAction(action)} (${action.ref.apiVersion}) failed: ${describeError(err)}`;
  const status = httpStatusOf(err);
  if (status === 422) return new MeshdError('MESHD_ERR_INVALID_OBJECT', what, { cause: err });
  if (status === 404 && (failedInDiscovery(err) || describeError(err).includes('could not find the requested resource'))) {
    return new MeshdError('MESHD_ERR_UNSERVED_API', `${what}; ${action.ref.apiVersion} is not served by ${client.name}`, { cause: err });
  }
  return new MeshdError('MESHD_ERR_APPLY', what, { cause: err });
}

/** The one error of a run with failures: every failure with its code; terminal only when each one is. */
function combined(failures: readonly MeshdError[], writes: number): MeshdError {
  const first = failures[0] as MeshdError;
  if (failures.length === 1) return new MeshdError(first.code, first.message, { cause: first.cause, writes });
  const message = `${failures.length} object(s) failed: ${failures.map((f) => `[${f.code}] ${f.message}`).join('; ')}`;
  // The code carries the retry class: a backoff failure among terminal ones keeps the run retried.
  const code = failures.every((f) => f.terminal) ? first.code : (failures.find((f) => !f.terminal) ?? first).code;
  return new MeshdError(code, message, { cause: first, writes });
}

/** Runs one wave, at most WAVE_CONCURRENCY at a time; every started action finishes, failed or not. */
async function executeWave(
  client: ClusterClient,
  wave: readonly ObjectAction[],
  signal: AbortSignal | undefined,
  counter: WriteCounter,
): Promise<{ action: ObjectAction; error: MeshdError }[]> {
  const limit = pLimit(WAVE_CONCURRENCY);
  const failures: { action: ObjectAction; error: MeshdError }[] = [];
  const run = async (action: ObjectAction): Promise<void> => {
    if (signal?.aborted) return;
    try {
      await executeOne(client, action, counter);
    } catch (err) {
      failures.push({ action, error: applyError(client, action, err) });
    }
  };
  await Promise.all(wave.map((action) => limit(() => run(action))));
  return failures;
}

/**
 * Executes planned actions in their order, wave by wave (executionWaves: writes that need nothing of
 * each other, and removals of one kind rank, run concurrently). A failed action does not stop the others: only actions that need it (its
 * Namespace, the CRD of its kind: blockedBy) are skipped. At the end, every failure is thrown as one
 * MeshdError carrying the write requests sent. Decides nothing: the plan and blockedBy did. Reports
 * what it did into `outcome` (pass one to read it after a failure) and returns it with the write count.
 */
export async function executeActions(
  client: ClusterClient,
  actions: readonly ObjectAction[],
  signal?: AbortSignal,
  outcome: ExecutionOutcome = emptyOutcome(),
): Promise<ExecutionResult> {
  const counter: WriteCounter = { writes: 0, outcome };
  const failed: ObjectAction[] = [];
  const errors: MeshdError[] = [];
  for (const wave of executionWaves(actions)) {
    if (signal?.aborted) break;
    const runnable: ObjectAction[] = [];
    for (const action of wave) {
      const needed = blockedBy(action, failed);
      if (needed === undefined) runnable.push(action);
      else {
        failed.push(action);
        outcome.failed.add(action.key);
        errors.push(
          new MeshdError(
            'MESHD_ERR_NOT_ATTEMPTED',
            `${client.name}: ${describeAction(action)} not attempted: it needs ${needed.ref.kind} ${needed.ref.name}, which failed`,
          ),
        );
      }
    }
    for (const { action, error } of await executeWave(client, runnable, signal, counter)) {
      failed.push(action);
      outcome.failed.add(action.key);
      errors.push(error);
    }
  }
  if (errors.length > 0) throw combined(errors, counter.writes);
  signal?.throwIfAborted();
  return { writes: counter.writes, ...outcome };
}
