import { randomUUID } from 'node:crypto';
import type { ClusterClient } from '../cluster/client.js';
import { contentHash } from '../plan/hash.js';
import { isWrite } from '../plan/objects.js';
import type { KubeObject } from '../kube/object.js';
import { anySignal } from '../util/any-signal.js';
import type {
  AppliedPlan,
  ClusterTarget,
  ComponentInstance,
  ComponentMesh,
  ComponentPlan,
  DesiredInputs,
  Logger,
  PrepareInput,
  ReadScope,
  ReleaseIdentity,
  RenderedRelease,
  RendererInstance,
  ScopedObject,
} from '../plugin/types.js';
import { releaseComponentPlan } from './component.js';
import { executeReleasePlan, rememberReleasePlan } from './execute.js';
import type { ReleaseJournals } from './execute.js';
import { newHold, RELEASE_APPLY_BUDGET_MS } from './hold.js';
import { observeRelease, releaseJournals } from './observe.js';
import type { ObservedRelease } from './observe.js';
import { inventoryRef, planRelease, planUninstall } from './plan.js';
import type { ReleasePlan } from './plan.js';
import { actionWrites } from './state.js';
import { planSignature, stopRule } from './steps.js';
import type { StopReason, TakenStep } from './steps.js';

/** The release namespace, a prerequisite of every release: created when absent, never deleted. */
function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** The component plan with what rendering found: each note, and the objects left out as its (terminal) error. */
function withRenderFindings<W>(plan: ComponentPlan<W>, rendered: RenderedRelease): ComponentPlan<W> {
  if (rendered.notes !== undefined && rendered.notes.length > 0) plan.notes = [...rendered.notes];
  const unserved = rendered.unserved ?? [];
  if (unserved.length === 0 || plan.error !== undefined) return plan;
  plan.error = unserved.join('; ');
  plan.errorCode = 'MESHD_ERR_UNSERVED_API';
  return plan;
}

/**
 * What one release on one cluster is planned towards (nothing: a removal): plain data, the part of
 * a plan's work that each re-plan after a step starts from again.
 */
export interface ReleaseWant {
  release: ReleaseIdentity;
  /** Every object rendered; undefined: the release is removed. */
  desired: readonly KubeObject[] | undefined;
  hash: string;
  ensure: readonly KubeObject[];
  adopt: boolean;
  prune: boolean;
  /** This engine's writer id: its own hold never locks it out. */
  writer: string;
}

/** What the engine observed of one release on one cluster: the render (none for a removal) and the release as live. Plain data. */
export interface EngineObserved {
  rendered?: RenderedRelease;
  release: ObservedRelease;
}

/** What an engine plan carries to its apply: what it planned towards, the observation and the release plan chosen from it. */
export interface EngineWork {
  want: ReleaseWant;
  observed: ObservedRelease;
  plan: ReleasePlan;
}

/** One release on one cluster while applying: what is wanted, and who writes it (connection, journals, clock, logger). */
interface ReleaseTarget extends ReleaseWant {
  client: ClusterClient;
  journals: ReleaseJournals;
  now: () => number;
  logger: Logger;
}

/** An observation and the plan chosen from it. */
interface Assessed {
  observed: ObservedRelease;
  plan: ReleasePlan;
}

/** Pure: the plan of what was observed: the state chosen, its action (NEXT_STEP), that action's steps. */
function planOf(t: ReleaseWant, observed: ObservedRelease): ReleasePlan {
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

/** Observes the release: all of it, or only what `known` does not hold. Reads only. */
function observeOf(
  t: Pick<ReleaseTarget, 'client' | 'release' | 'desired' | 'ensure' | 'journals' | 'now'>,
  known?: ReadonlyMap<string, KubeObject | null>,
): Promise<ObservedRelease> {
  const wanted = { desired: t.desired ?? [], ensure: t.ensure, journals: t.journals, now: t.now, ...(known ? { known } : {}) };
  return observeRelease(t.client, t.release, wanted);
}

/** Observes the release again after a step and plans from that (the state → action table's next turn). */
async function observeAndPlan(t: ReleaseTarget, known: ReadonlyMap<string, KubeObject | null>): Promise<Assessed> {
  const observed = await observeOf(t, known);
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
async function carryOut(t: ReleaseTarget, a: Assessed, run: { signal: AbortSignal | undefined; written: Map<string, KubeObject | null> }): Promise<number> {
  const budget = AbortSignal.timeout(RELEASE_APPLY_BUDGET_MS);
  const claim = { hold: newHold(t.writer, t.now()), inventoryVersion: a.observed.inventoryVersion };
  // The caller's signal may live as long as the daemon (its queue's): anySignal, not AbortSignal.any (util/any-signal.ts).
  const both = run.signal ? anySignal([run.signal, budget]) : undefined;
  try {
    return await executeReleasePlan(t.client, a.plan, { signal: both?.signal ?? budget, journals: t.journals, claim, written: run.written });
  } finally {
    both?.dispose();
  }
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

/** Pure: an objectKey (`group/kind/namespace/name`) as the object a plan's changes name. */
function scopedOf(key: string): ScopedObject {
  const [, kind = '', namespace = '', name = ''] = key.split('/');
  return namespace === '' ? { kind, name } : { kind, namespace, name };
}

/**
 * Pure: what an engine observation read: the inventory, every object it read (found or absent) and
 * each namespace whose contents it listed. The render reads no cluster.
 */
function releaseReads(release: ReleaseIdentity): (observed: EngineObserved) => ReadScope {
  const inventory = inventoryRef(release.name, release.namespace);
  return (observed) => ({
    objects: [{ kind: inventory.kind, namespace: release.namespace, name: inventory.name }, ...[...observed.release.live.keys()].map(scopedOf)],
    namespaces: [...(observed.release.namespaceContents?.keys() ?? [])],
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
 * Core's release engine around a renderer, as a phased ComponentInstance: the renderer only turns
 * (cluster, endpoints, values) into objects. `observe` renders and reads the release (inventory and
 * its hold, journal, live objects); `plan` (pure) chooses its state (chooseReleaseState) and the one
 * action the state leads to (NEXT_STEP, planRelease); `apply` carries it out under a hold, observes
 * again, chooses again… until the stop rule
 * (in sync, nothing to do, no progress, MAX_RELEASE_STEPS). Removal renders nothing: core uninstalls
 * what the journal and inventory hold, the same way. A renderer that can prepare (render ahead, into
 * its cache) is prepared through the same instance.
 */
export function rendererBackend(o: RendererBackendOptions): ComponentInstance<EngineObserved, EngineWork> {
  const { name, renderer, release, logger } = o;
  // One writer id per engine (per loaded plugin set): its own hold never locks it out.
  const writer = `meshd-${randomUUID()}`;
  const now = o.now ?? Date.now;
  const ensureOf = (desired: readonly KubeObject[] | undefined): KubeObject[] => (desired === undefined ? [] : [namespaceObject(release.namespace)]);
  const wantOf = (desired: readonly KubeObject[] | undefined, inputs: Pick<DesiredInputs, 'adopt' | 'prune'>): ReleaseWant => ({
    release,
    desired,
    hash: desired === undefined ? '' : contentHash(desired),
    ensure: ensureOf(desired),
    adopt: inputs.adopt,
    prune: inputs.prune,
    writer,
  });
  const targetOf = (target: ClusterTarget, want: ReleaseWant): ReleaseTarget => ({
    ...want,
    client: target.client,
    journals: releaseJournals(target.journal, release.name),
    now,
    logger,
  });
  const observeFor = async (target: ClusterTarget, desired: readonly KubeObject[] | undefined): Promise<ObservedRelease> => {
    const journals = releaseJournals(target.journal, release.name);
    const observed = await observeOf({ client: target.client, release, desired, ensure: ensureOf(desired), journals, now });
    if (observed.inventoryWarning !== undefined) logger.warn({ cluster: target.name, code: 'MESHD_ERR_INVENTORY_TAMPERED' }, observed.inventoryWarning);
    return observed;
  };
  const planFor = (desired: DesiredInputs, observed: EngineObserved): ComponentPlan<EngineWork> => {
    const want = wantOf(observed.rendered?.objects, desired);
    const plan = planOf(want, observed.release);
    const planned = releaseComponentPlan(name, desired.cluster.name, plan, { want, observed: observed.release, plan });
    return observed.rendered ? withRenderFindings(planned, observed.rendered) : planned;
  };
  const instance: ComponentInstance<EngineObserved, EngineWork> = {
    reads: releaseReads(release),
    async observe(target: ClusterTarget, mesh: ComponentMesh): Promise<EngineObserved> {
      const rendered = await renderer.render({ target, mesh, release });
      return { rendered, release: await observeFor(target, rendered.objects) };
    },
    plan: planFor,
    async observeRemoval(target: ClusterTarget): Promise<EngineObserved> {
      return { release: await observeFor(target, undefined) };
    },
    planRemoval: planFor,
    apply(plan: ComponentPlan<EngineWork>, target: ClusterTarget, signal?: AbortSignal): Promise<AppliedPlan> {
      const { want, observed, plan: first } = plan.work;
      return converge(targetOf(target, want), { observed, plan: first }, [], signal);
    },
    remember(plan: ComponentPlan<EngineWork>, target: ClusterTarget): Promise<void> {
      return rememberReleasePlan(plan.work.plan, releaseJournals(target.journal, release.name));
    },
  };
  const prepare = renderer.prepare?.bind(renderer);
  if (prepare) instance.prepare = (input: PrepareInput): Promise<void> => prepare({ ...input, release });
  const observeMesh = renderer.observeMesh?.bind(renderer);
  if (observeMesh) instance.observeMesh = (mesh, signal) => observeMesh(mesh, signal);
  return instance;
}
