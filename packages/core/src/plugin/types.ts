import type { z } from 'zod';
import type { PluginConfigKeys } from '../config/plugin-keys.js';
import type { ClusterClient } from '../cluster/client.js';
import type { ErrorCode } from '../errors.js';
import type { JournalEntry } from '../plan/journal.js';
import type { KubeObject } from '../kube/object.js';
import type { PluginWatch, WatchContext } from './watch.js';

/** The logger each plugin gets: a pino child logger satisfies it. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** What is injected into a plugin when it is created. The plugin owns nothing global. */
export interface PluginContext<C> {
  logger: Logger;
  config: C;
  /** Aborted when meshd shuts down: stop starting new work. */
  signal: AbortSignal;
  /**
   * Asks for another pass of every remote (the daemon enqueues them and counts it in
   * `meshd_plugin_requeues_total{plugin,reason}`): something the plugin returned earlier turned out
   * wrong, e.g. a render made ahead by a shortcut that helm contradicted. Only a long-running host
   * gives it (a one-shot command does not): a plugin takes no shortcut that needs it without it.
   * `reason` is a short fixed word (a metric label), never data read from a cluster.
   */
  requeue?: (reason: string) => void;
}

/** What the host running the plugins gives each of them besides its config and logger (see PluginContext). */
export interface PluginHost {
  signal: AbortSignal;
  /** PluginContext.requeue, told which plugin asked. */
  requeue?: (plugin: string, reason: string) => void;
}

/** Control-plane endpoint IPs the remote release points at. */
export interface MeshEndpoints {
  pilot: string;
  policy: string;
  statsd: string;
}

/**
 * What meshd recorded creating on one cluster for one owner (`release/<name>`, `secrets`,
 * `registry`…), kept in the state directory on the bastion: object key → reference and UID. Core
 * owns it and builds one per (cluster, owner) from PassOptions.state; plans read it, only apply
 * mode writes it (record after a create, forget after a delete). It decides every deletion.
 */
export interface ObjectJournal {
  readonly cluster: string;
  readonly owner: string;
  entries(): ReadonlyMap<string, JournalEntry>;
  record(entries: ReadonlyMap<string, JournalEntry>): Promise<void>;
  forget(keys: Iterable<string>): Promise<void>;
  /** The key that authenticates in-cluster inventories (HMAC-SHA256); empty when this bastion has none (read-only, never applied). */
  inventoryKey(): Buffer;
}

/** One cluster a component acts on, with its connection. */
export interface ClusterTarget {
  name: string;
  role: 'control-plane' | 'remote';
  client: ClusterClient;
  /** Per-cluster settings from config `clusters: { NAME: {...} }` (backend, tillerHost, values…). */
  overrides: Readonly<Record<string, unknown>>;
  /**
   * This cluster's journal for an owner. Undefined (no state directory: unit tests, embedders): the
   * component behaves as before the journal, ownership being meshd's label alone.
   */
  journal?: (owner: string) => ObjectJournal;
  /** The API server's version (/version gitVersion) seen by this pass: discovery caches are per version. */
  version?: string;
}

/** Mesh-wide inputs of a pass, shared by every component. */
export interface MeshInputs {
  controlPlane: ClusterTarget;
  /** Undefined when discovery failed: components that need endpoints must report, not guess. */
  endpoints: MeshEndpoints | undefined;
  adopt: boolean;
  prune: boolean;
}

/**
 * The mesh a plugin's mesh-wide observe (`ComponentInstance.observeMesh`) reads: the control plane,
 * with its connection, and every remote of the desired mesh by name with its per-cluster settings
 * (config `clusters: { NAME: {...} }`), without a connection: a mesh-wide observe reads the control
 * plane only. The remotes are the whole desired mesh's, not only those the pass acts on, so the
 * daemon's keys of one round hand the same input and may share one read (pass/mesh-observe.ts).
 */
export interface MeshTarget {
  controlPlane: ClusterTarget;
  remotes: readonly Pick<ClusterTarget, 'name' | 'overrides'>[];
}

/**
 * What a component's observe gets of the pass: the mesh-wide inputs and `observed`, what its
 * plugin's `observeMesh` read for this pass (undefined for a plugin without one).
 */
export type ComponentMesh<MeshObserved = unknown> = MeshInputs & { observed: MeshObserved };

/** One change a plan would make, for display (`meshd plan`) and status. Never carries secret values. */
export interface PlannedChange {
  op: 'create' | 'update' | 'recreate' | 'delete' | 'install' | 'upgrade' | 'uninstall' | 'conflict' | 'orphan' | 'rename';
  kind: string;
  namespace?: string;
  name: string;
  /** Short, value-free details (changed paths, hashes). */
  detail?: string[];
}

/** One step a component took while applying: the state it was in, the action that state led to, the writes it made. */
export interface AppliedStep {
  state: string;
  action: string;
  writes: number;
}

/**
 * What applying a plan did, when a component says more than its write count (core's release engine:
 * it observes again after each step and chooses the next, NEXT_STEP): every step taken, the state it
 * ended in and why it stopped (converged, an action that writes nothing, no progress, the step limit).
 */
export interface AppliedPlan {
  writes: number;
  steps: AppliedStep[];
  /** The state observed after the last step. */
  finalState: string;
  stopped: string;
}

/**
 * What a plan is made from besides what was observed: the cluster (its name, role, per-cluster
 * overrides and version; no connection) and the mesh-wide settings of the pass. Plain data, built by
 * core from the ClusterTarget and MeshInputs (desiredInputsOf).
 */
export interface DesiredInputs {
  cluster: Pick<ClusterTarget, 'name' | 'role' | 'overrides' | 'version'>;
  /** Undefined when discovery failed: a plugin that needs them is never asked to plan then (core skips it). */
  endpoints: MeshEndpoints | undefined;
  adopt: boolean;
  prune: boolean;
}

/**
 * A component's plan on one cluster: plain data, no closures. The display part (state, reason,
 * changes, error…) is what `meshd plan` and /status show; `work` is what the component's `apply`
 * carries out (its own steps, objects, hashes). `work` may hold secret values (the secrets addon's
 * copies): it is never shown, logged or serialized; reports copy the display fields only. A plan with
 * no changes must not write.
 */
export interface ComponentPlan<Work = unknown> {
  component: string;
  cluster: string;
  /** A named state (release states: absent, in-sync, out-of-sync, drifted, unmanaged, failed, locked, removed). */
  state: string;
  reason: string;
  changes: PlannedChange[];
  /** Set when the component cannot proceed (conflict, missing input), or some objects cannot be applied (the rest still are). */
  error?: string;
  /**
   * The catalogue code of `error`; its retry class decides whether the daemon retries or parks the
   * cluster (MESHD_ERR_UNSERVED_API: parked until the input changes). A plan error without a code
   * is reported as MESHD_ERR_INTERNAL.
   */
  errorCode?: ErrorCode;
  /** What the plan changed on the way, shown by plan and apply (each compat conversion). */
  notes?: string[];
  /** Things the operator must hear about even when nothing is changed (a tampered inventory); they reach /status. */
  warnings?: string[];
  /** What apply carries out: the component's own data. Undefined for plans core makes itself (a skipped plugin), which never apply. */
  work: Work;
}

/**
 * What a created plugin does, in three phases per cluster (the pass calls them; the plugin decides
 * only in `plan`):
 * - `observe` does every read the plan needs (the cluster, the control plane, a chart render) and
 *   returns plain data; it decides nothing and writes nothing.
 * - `plan` is synchronous and pure: desired inputs + observed → a data plan (no I/O, no clock, no
 *   closures), so it is table-tested without a cluster.
 * - `apply` carries a plan out and returns its write requests (or an AppliedPlan saying which steps
 *   it took); it decides nothing else. A failure throws (a MeshdError with its code); the queue retries.
 * Removal (a cluster that left the mesh) has its own observe and plan; the same `apply` carries it out.
 * What every remote's observe would read alike on the control plane (the secrets addon's sources)
 * is read once per pass by the optional `observeMesh`, whose answer each `observe` gets as `mesh.observed`.
 * Core owns the retries and the order; the instance owns only its caches (renders, discovery).
 */
export interface ComponentInstance<Observed = unknown, Work = unknown, ObservedForRemoval = Observed, MeshObserved = unknown> {
  /**
   * Optional: the mesh-wide observe. Reads, on the control plane, what every remote's observe needs
   * alike, once per pass before the remotes' observes (core runs it: pass/mesh-observe.ts); returns
   * plain data, decides nothing, writes nothing. A failure (a MeshdError with its code) fails this
   * plugin's component on every remote of the pass with that code: nothing is observed as empty,
   * nothing is written. Never asked for a removal (observeRemoval reads the leaving cluster only).
   */
  observeMesh?(mesh: MeshTarget, signal?: AbortSignal): Promise<MeshObserved>;
  /** Reads what planning the component's desired state on this cluster needs, given what observeMesh read (`mesh.observed`). I/O only. */
  observe(target: ClusterTarget, mesh: ComponentMesh<MeshObserved>, signal?: AbortSignal): Promise<Observed>;
  /** Pure: the plan that brings the cluster from `observed` to what `desired` calls for. */
  plan(desired: DesiredInputs, observed: Observed): ComponentPlan<Work>;
  /** Reads what removing everything the component made on a cluster that left the mesh needs. I/O only. */
  observeRemoval(target: ClusterTarget, mesh: MeshInputs, signal?: AbortSignal): Promise<ObservedForRemoval>;
  /** Pure: the plan that removes what the component made (only what it owns). */
  planRemoval(desired: DesiredInputs, observed: ObservedForRemoval): ComponentPlan<Work>;
  /** Carries out one of this instance's plans on `target` (core calls it only when the plan has changes that write). */
  apply(plan: ComponentPlan<Work>, target: ClusterTarget, signal?: AbortSignal): Promise<number | AppliedPlan>;
  /**
   * Apply mode, when the plan has no changes to apply: writes the bastion's journal only (entries
   * settled, objects kept recorded by the migration rule). Never writes to a cluster.
   */
  remember?(plan: ComponentPlan<Work>, target: ClusterTarget): Promise<void>;
  /**
   * Optional, pure: what an observation read on the cluster (ReadScope), so core may keep a plan made
   * while a component before it wrote: when nothing that component wrote is in the scope, the plan
   * still holds and the cluster is not read again. Without it (or undefined), such a plan is made again.
   */
  reads?(observed: Observed): ReadScope | undefined;
  /**
   * Optional: warm what `observe` would compute for these inputs (a renderer renders into its cache), so a
   * pass that gets them finds the work done. Speculative: reads and writes no cluster, decides nothing,
   * may refuse (bounded by the plugin); a failure is the real pass's to meet and report.
   */
  prepare?(input: PrepareInput): Promise<void>;
}

/** An object a component read or wrote, as a plan's changes name it (no API version: a kind is one resource here). */
export interface ScopedObject {
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * What one observation read on a cluster, as plain data: each object it read (found or absent), and
 * each namespace whose contents it listed. A write to any of these may change what the plan decides.
 */
export interface ReadScope {
  objects: readonly ScopedObject[];
  namespaces: readonly string[];
}

/**
 * What a plugin may prepare ahead of a pass: one remote (no connection: preparing reads no cluster)
 * and the endpoints a pass may soon have (the next Pilot move's, known once its new pod is Ready).
 */
export interface PrepareInput {
  cluster: Pick<ClusterTarget, 'name' | 'role' | 'overrides'>;
  endpoints: MeshEndpoints;
}

/**
 * Which role a plugin plays: exactly one backend runs per remote; every addon runs on every remote.
 * A `renderer` is a backend that only turns the desired inputs into objects: core's release engine
 * (observe, plan, inventory, journal, server-side apply, prune, uninstall) does the rest.
 */
export type PluginKind = 'backend' | 'addon' | 'renderer';

/**
 * Inputs a plugin may declare it needs, checked at registration and enforced by core: a plugin that
 * needs `endpoints` is not asked to plan while discovery has failed (core reports it skipped, and
 * why); a plugin that needs `helm` names its client (`helmBinary`), and core probes that client
 * (≥ 2.7.2, the prerequisite check) only for the clusters such a plugin serves. A mesh whose plugins
 * need no helm never runs one.
 */
export type PluginNeed = 'endpoints' | 'helm';

/** The release a renderer renders: core's `release:` config (name and namespace of istio-remote). */
export interface ReleaseIdentity {
  name: string;
  namespace: string;
}

/**
 * What a renderer is given: the cluster, the mesh-wide inputs (endpoints…) with what its own
 * `observeMesh` read for this pass (`mesh.observed`; undefined without one), and the release identity.
 */
export interface RenderInput {
  target: ClusterTarget;
  mesh: ComponentMesh;
  release: ReleaseIdentity;
}

/** What a renderer returns: the objects the release is made of, and what it found on the way. */
export interface RenderedRelease {
  /** Every object of the release, in apply order (core adds the release namespace as a prerequisite). */
  objects: KubeObject[];
  /** What rendering changed on the way (a converted API version), shown by plan and apply. */
  notes?: string[];
  /** Objects left out because the cluster cannot take them, one message each (MESHD_ERR_UNSERVED_API). */
  unserved?: string[];
}

/** What a created renderer does: render the release for one cluster. Reads only; never writes to a cluster. */
export interface RendererInstance {
  /**
   * Optional: what every cluster's render needs alike, read once per pass (the daemon: once per round
   * of keys) as a component's `observeMesh` is (pass/mesh-observe.ts), and handed to each render as
   * `mesh.observed`: the helm renderer reads its chart directory here, not once per cluster. Reads only.
   */
  observeMesh?(mesh: MeshTarget, signal?: AbortSignal): Promise<unknown>;
  render(input: RenderInput): Promise<RenderedRelease>;
  /** Optional: render into the renderer's cache what `render` would render with these inputs (see ComponentInstance.prepare). */
  prepare?(input: PrepareInput & { release: ReleaseIdentity }): Promise<void>;
}

/** What every plugin definition declares, whatever its kind. */
interface PluginDefinitionBase<C> {
  name: string;
  /**
   * The meshd.yaml keys this plugin owns (`tiller:`, `clusters.NAME.tillerHost`), with their
   * defaults: core composes meshd.yaml's schema from them (meshdConfigSchemaFor), so their errors
   * name the file, line, column and field. Checked at registration: each section must accept being absent.
   */
  configKeys?: PluginConfigKeys;
  /** Validates the plugin's slice of the meshd config (what selectConfig picks). */
  configSchema: z.ZodType<C>;
  /**
   * Picks the plugin's slice out of the whole validated meshd config: its own sections (validated,
   * defaults filled in) and any of core's keys it reads (chart, values, release…).
   */
  selectConfig(config: unknown): unknown;
  needs: readonly PluginNeed[];
  /** The helm client this plugin runs, from its validated config: required with `needs: ['helm']`, refused without. */
  helmBinary?(config: C): string;
  /**
   * The objects whose changes the daemon must see for this plugin, as data (PluginWatch), from its
   * validated config: the daemon keeps these watches open and enqueues what they say. A renderer's
   * release (its objects and inventory) is watched by core; a renderer declares only what else it reads.
   */
  watches?(config: C, context: WatchContext): PluginWatch[];
}

/** A backend or an addon: it observes, plans (pure) and applies by itself, in phases (ComponentInstance). */
export interface ComponentPluginDefinition<C> extends PluginDefinitionBase<C> {
  kind: 'backend' | 'addon';
  /**
   * Addons only: run before the backend on a remote (e.g. a CA secret istio-remote's Citadel must
   * find at its first start). Default: after. Removal runs in the reverse order.
   */
  order?: 'before-backend' | 'after-backend';
  create(ctx: PluginContext<C>): ComponentInstance;
}

/** A renderer: a backend whose release core's engine installs, upgrades, prunes and uninstalls. */
export interface RendererPluginDefinition<C> extends PluginDefinitionBase<C> {
  kind: 'renderer';
  create(ctx: PluginContext<C>): RendererInstance;
}

/** A plugin's definition: small, checked at registration (definePlugin). */
export type PluginDefinition<C> = ComponentPluginDefinition<C> | RendererPluginDefinition<C>;
