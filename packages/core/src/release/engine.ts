import { randomUUID } from 'node:crypto';
import type { ClusterClient } from '../cluster/client.js';
import { contentHash } from '../plan/hash.js';
import { isWrite } from '../plan/objects.js';
import type { KubeObject } from '../kube/object.js';
import type {
  AppliedPlan,
  ClusterTarget,
  ComponentInstance,
  ComponentPlan,
  Logger,
  MeshInputs,
  PrepareInput,
  ReleaseIdentity,
  RenderedRelease,
  RendererInstance,
} from '../plugin/types.js';
import { releaseComponentPlan } from './component.js';
import { executeReleasePlan, rememberReleasePlan } from './execute.js';
import type { ReleaseJournals } from './execute.js';
import { newHold, RELEASE_APPLY_BUDGET_MS } from './hold.js';
import { observeRelease, releaseJournals } from './observe.js';
import type { ObservedRelease } from './observe.js';
import { planRelease, planUninstall } from './plan.js';
import type { ReleasePlan } from './plan.js';
import { actionWrites } from './state.js';
import { planSignature, stopRule } from './steps.js';
import type { StopReason, TakenStep } from './steps.js';

/** The release namespace, a prerequisite of every release: created when absent, never deleted. */
function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** The component plan with what rendering found: each note, and the objects left out as its (terminal) error. */
function withRenderFindings(plan: ComponentPlan, rendered: RenderedRelease): ComponentPlan {
  if (rendered.notes !== undefined && rendered.notes.length > 0) plan.notes = [...rendered.notes];
  const unserved = rendered.unserved ?? [];
  if (unserved.length === 0 || plan.error !== undefined) return plan;
  plan.error = unserved.join('; ');
  plan.errorCode = 'MESHD_ERR_UNSERVED_API';
  return plan;
}

/** One release on one cluster in one pass: what is wanted (nothing: a removal), and who writes it. */
interface ReleaseTarget {
  client: ClusterClient;
  release: ReleaseIdentity;
  /** Every object rendered; undefined: the release is removed. */
  desired: readonly KubeObject[] | undefined;
  hash: string;
  ensure: readonly KubeObject[];
  journals: ReleaseJournals;
  adopt: boolean;
  prune: boolean;
  writer: string;
  now: () => number;
  logger: Logger;
}

/** An observation and the plan chosen from it. */
interface Assessed {
  observed: ObservedRelease;
  plan: ReleasePlan;
}

/** Pure: the plan of what was observed: the state chosen, its action (NEXT_STEP), that action's steps. */
function planOf(t: ReleaseTarget, observed: ObservedRelease): ReleasePlan {
  if (t.desired === undefined) return planUninstall({ ...t.release, writer: t.writer }, observed);
  const { name, namespace } = t.release;
  return planRelease({
    ...observed,
    release: name,
    namespace,
    desired: t.desired,
    desiredHash: t.hash,
    ensure: t.ensure,
    adopt: t.adopt,
    prune: t.prune,
    writer: t.writer,
  });
}

/** Observes the release (all of it, or only what `known` does not hold) and plans from that. */
async function observeAndPlan(t: ReleaseTarget, known?: ReadonlyMap<string, KubeObject | null>): Promise<Assessed> {
  const wanted = { desired: t.desired ?? [], ensure: t.ensure, journals: t.journals, now: t.now, ...(known ? { known } : {}) };
  const observed = await observeRelease(t.client, t.release, wanted);
  return { observed, plan: planOf(t, observed) };
}

/**
 * What is known after a step: the live objects observed before it, but those it wrote or deleted,
 * which are known as the API server returned them from the write (`written`); the rest is read again.
 */
function knownAfter(a: Assessed, written: ReadonlyMap<string, KubeObject | null>): Map<string, KubeObject | null> {
  const live = new Map(a.observed.live);
  for (const step of [...a.plan.ensure, ...a.plan.actions]) if (isWrite(step)) live.delete(step.key);
  for (const [key, obj] of written) live.set(key, obj);
  return live;
}

/** Carries out one plan under this writer's hold, aborted before the hold could lapse; the writes made, and what it wrote in `written`. */
function carryOut(t: ReleaseTarget, a: Assessed, run: { signal: AbortSignal | undefined; written: Map<string, KubeObject | null> }): Promise<number> {
  const budget = AbortSignal.timeout(RELEASE_APPLY_BUDGET_MS);
  const claim = { hold: newHold(t.writer, t.now()), inventoryVersion: a.observed.inventoryVersion };
  const signal = run.signal ? AbortSignal.any([run.signal, budget]) : budget;
  return executeReleasePlan(t.client, a.plan, { signal, journals: t.journals, claim, written: run.written });
}

/** What the steps add up to; a stop other than `converged` is logged with the state it stopped in. */
function applied(t: ReleaseTarget, taken: readonly TakenStep[], last: ReleasePlan, stopped: StopReason): AppliedPlan {
  const steps = taken.map(({ state, action, writes }) => ({ state, action, writes }));
  const writes = steps.reduce((n, s) => n + s.writes, 0);
  if (stopped !== 'converged') {
    const fields = { cluster: t.client.name, release: t.release.name, steps, state: last.status.state, stopped };
    t.logger.warn(fields, `release not in sync after ${steps.length} step(s): ${stopped} (${last.status.state}: ${last.status.reason})`);
  }
  return { writes, steps, finalState: last.status.state, stopped };
}

/**
 * Carries out `a`'s plan, observes again (the inventory; what the step wrote as its writes returned it), chooses the next
 * state and its action, and goes on until the stop rule (steps.ts `stopRule`) says stop. A step that
 * fails throws, as a plan's apply does: the pass reports the error and the queue retries.
 */
async function converge(t: ReleaseTarget, a: Assessed, taken: readonly TakenStep[], signal: AbortSignal | undefined): Promise<AppliedPlan> {
  const written = new Map<string, KubeObject | null>();
  const writes = await carryOut(t, a, { signal, written });
  const done = [...taken, { state: a.plan.status.state, action: a.plan.action, writes, signature: planSignature(a.plan) }];
  if (!actionWrites(a.plan.action)) return applied(t, done, a.plan, 'nothing-to-do');
  const next = await observeAndPlan(t, knownAfter(a, written));
  const stop = stopRule(done, next.plan);
  return stop === undefined ? converge(t, next, done, signal) : applied(t, done, next.plan, stop);
}

/** The component plan of a first observation: what `meshd plan` shows, and what `meshd apply` starts from. */
function componentPlanOf(name: string, t: ReleaseTarget, first: Assessed): ComponentPlan {
  for (const w of first.plan.warnings) t.logger.warn({ cluster: t.client.name, code: 'MESHD_ERR_INVENTORY_TAMPERED' }, w);
  return releaseComponentPlan(name, first.plan, {
    cluster: t.client.name,
    apply: (signal?: AbortSignal) => converge(t, first, [], signal),
    remember: () => rememberReleasePlan(first.plan, t.journals),
  });
}

/** What core's release engine needs to drive one renderer. */
export interface RendererBackendOptions {
  /** The plugin's name: the component name in plans and reports. */
  name: string;
  renderer: RendererInstance;
  release: ReleaseIdentity;
  logger: Logger;
  /** The clock of holds and observations (default: Date.now). */
  now?: () => number;
}

/**
 * Core's release engine around a renderer: the renderer only turns (cluster, endpoints, values)
 * into objects. Core observes the release (inventory and its hold, journal, live objects), chooses
 * its state (chooseReleaseState), plans the one action the state leads to (NEXT_STEP, planRelease),
 * and in apply mode carries it out under a hold, observes again, chooses again… until the stop rule
 * (in sync, nothing to do, no progress, MAX_RELEASE_STEPS). Removal renders nothing: core uninstalls
 * what the journal and inventory hold, the same way. A renderer that can prepare (render ahead, into
 * its cache) is prepared through the same instance.
 */
export function rendererBackend(o: RendererBackendOptions): ComponentInstance {
  const { name, renderer, release, logger } = o;
  // One writer id per engine (per loaded plugin set): its own hold never locks it out.
  const writer = `meshd-${randomUUID()}`;
  const now = o.now ?? Date.now;
  const targetOf = (target: ClusterTarget, mesh: MeshInputs, desired: readonly KubeObject[] | undefined): ReleaseTarget => ({
    client: target.client,
    release,
    desired,
    hash: desired === undefined ? '' : contentHash(desired),
    ensure: desired === undefined ? [] : [namespaceObject(release.namespace)],
    journals: releaseJournals(target.journal, release.name),
    adopt: mesh.adopt,
    prune: mesh.prune,
    writer,
    now,
    logger,
  });
  const instance: ComponentInstance = {
    async plan(target: ClusterTarget, mesh: MeshInputs): Promise<ComponentPlan> {
      const rendered = await renderer.render({ target, mesh, release });
      const t = targetOf(target, mesh, rendered.objects);
      return withRenderFindings(componentPlanOf(name, t, await observeAndPlan(t)), rendered);
    },
    async planRemoval(target: ClusterTarget, mesh: MeshInputs): Promise<ComponentPlan> {
      const t = targetOf(target, mesh, undefined);
      return componentPlanOf(name, t, await observeAndPlan(t));
    },
  };
  const prepare = renderer.prepare?.bind(renderer);
  if (prepare) instance.prepare = (input: PrepareInput): Promise<void> => prepare({ ...input, release });
  return instance;
}
