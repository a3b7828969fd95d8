import type { ClusterClient } from '../cluster/client.js';
import { httpStatusOf } from '../cluster/client.js';
import { bindingStateOf, caPemOf, mintReaderToken, revokeBinding } from '../credentials/mint.js';
import { inlineKubeconfigFiles } from '../credentials/inline-files.js';
import { publishedServerOf } from '../credentials/published-server.js';
import type { PublishedServer } from '../credentials/published-server.js';
import { readerObjects } from '../credentials/reader-rbac.js';
import { CREDENTIALS_OWNER, planReaderObjects } from '../credentials/reader-objects.js';
import type { ReaderObjectsPlan } from '../credentials/reader-objects.js';
import { renderReaderKubeconfig } from '../credentials/reader-kubeconfig.js';
import { decideCredential, nextCredentialEvent, retiringDue, rotationDueAt } from '../credentials/rotation.js';
import type { RotationPolicy } from '../credentials/rotation.js';
import type { ValidCluster } from '../descriptor/types.js';
import { MeshdError, reportError, reportErrorOf } from '../errors.js';
import { mapLimit } from '../util/concurrency.js';
import type { CredentialRecord } from '../state/credential-records.js';
import { journalsOf } from '../state/object-journal.js';
import type { ObjectJournal } from '../plugin/types.js';
import type { ComponentReport, CredentialStatus, PassCredentials, PassOptions } from './types.js';

/** What the credentials step hands the registry step, and what it does once the registry is written. */
export interface CredentialsOutcome {
  /** Cluster name → the kubeconfig to publish. A published cluster missing here has no credential yet and is left out. */
  kubeconfigs: Map<string, string>;
  /** The `credentials` component of each cluster that has one. */
  components: Map<string, ComponentReport>;
  /** After the registry was written (or found in sync): record publication, revoke replaced and removed credentials. */
  afterPublish(published: boolean): Promise<ComponentReport[]>;
  /** Expiry and rotation per minted credential (no secret). */
  statuses(): CredentialStatus[];
  /** Clusters whose credential waits for istio-remote's install (the release namespace does not exist yet). */
  awaitingInstall: string[];
}

/** Inputs of credentialsStep. */
export interface CredentialsInput {
  /** Every cluster the registry lists after this pass. */
  clusters: readonly ValidCluster[];
  /** Clusters whose removal completed this pass, as remembered: their credentials are revoked. */
  left: readonly ValidCluster[];
  /** Pilot's pod IP (chooses among several serverEndpoints). */
  clientIp?: string | undefined;
  connect(cluster: ValidCluster): ClusterClient;
  /** True when this pass reached the cluster (probed, answered); false for unreachable and out-of-scope clusters. */
  reachable(name: string): boolean;
}

const PLACEHOLDER_TOKEN = 'minted-at-apply';

function policyOf(c: PassCredentials): RotationPolicy {
  return {
    serviceAccount: c.serviceAccount,
    namespace: c.namespace,
    lifetimeMs: c.lifetime,
    rotateAt: c.rotateAt,
    retireAfterMs: c.retireAfter,
    legacy: c.legacyToken,
  };
}

function failed(report: ComponentReport, err: unknown): void {
  report.error = err instanceof MeshdError ? reportErrorOf(err) : reportError('MESHD_ERR_CREDENTIAL', err instanceof Error ? err.message : String(err));
  report.state = 'failed';
}

/** Per-pass context of the minted path. */
interface MintContext {
  opts: PassOptions;
  creds: PassCredentials;
  policy: RotationPolicy;
  now: Date;
  input: CredentialsInput;
  touched: Set<string>;
  /** Clusters whose credential waits for istio-remote's install (awaitsItsInstall). */
  awaiting: Set<string>;
}

function recordFor(ctx: MintContext, cluster: string): CredentialRecord | undefined {
  return ctx.opts.state?.credentials.get(cluster);
}

/** Plans the reader's RBAC objects on one cluster (reads only). */
function planReader(ctx: MintContext, cluster: ValidCluster, client: ClusterClient): Promise<ReaderObjectsPlan> {
  const { opts, creds } = ctx;
  const journal = journalsOf(opts.state, cluster.name)?.(CREDENTIALS_OWNER);
  return planReaderObjects(
    client,
    readerObjects({ serviceAccount: creds.serviceAccount, namespace: creds.namespace, rules: creds.rules }),
    journal,
    opts.config.adopt,
  );
}

/** Applies the reader's RBAC objects on one cluster as planned (apply mode), adding their changes to the report. */
async function ensureReader(ctx: MintContext, rbac: ReaderObjectsPlan, report: ComponentReport): Promise<void> {
  const { opts } = ctx;
  report.changes.push(...rbac.changes);
  if (rbac.conflicts.length > 0) throw new Error(rbac.conflicts.join('; '));
  if (opts.mode !== 'apply') return;
  if (rbac.writes) report.writes += await rbac.apply(opts.signal);
  else await rbac.remember();
}

/** Mints a token when none is stored or its rotation is due (apply mode) and stores it before anything publishes it; the record in force. */
async function mintIfDue(
  ctx: MintContext,
  cluster: ValidCluster,
  conn: { client: ClusterClient; caPem: string; binding: BindingState },
  report: ComponentReport,
): Promise<CredentialRecord | undefined> {
  const { client, caPem, binding } = conn;
  const { opts, creds, policy, now } = ctx;
  const record = recordFor(ctx, cluster.name);
  const decision = decideCredential(record, policy, now, binding);
  if (decision.action === 'keep') return record;
  report.changes.push({ op: 'create', kind: 'TokenRequest', namespace: creds.namespace, name: creds.serviceAccount, detail: [decision.reason] });
  if (opts.mode !== 'apply') return record;
  const minted = await mintReaderToken({
    client,
    serviceAccount: creds.serviceAccount,
    namespace: creds.namespace,
    lifetimeMs: policy.lifetimeMs,
    legacy: policy.legacy,
    now,
  });
  report.writes += 2;
  const next: CredentialRecord = {
    cluster: cluster.name,
    kind: minted.kind,
    serviceAccount: creds.serviceAccount,
    namespace: creds.namespace,
    binding: minted.binding,
    token: minted.token,
    caPem,
    issuedAt: now.toISOString(),
    retiring: record ? [...record.retiring, ...(binding === 'gone' ? [] : [record.binding])] : [],
  };
  if (minted.expiresAt) next.expiresAt = minted.expiresAt.toISOString();
  await opts.state?.credentials.put(next);
  return next;
}

function serverFor(ctx: MintContext, cluster: ValidCluster): PublishedServer {
  const overrides = ctx.opts.config.clusters[cluster.name] ?? {};
  const override = typeof overrides.publishedServer === 'string' ? overrides.publishedServer : undefined;
  return publishedServerOf({ name: cluster.name, kubeconfigServer: cluster.server, spec: cluster.spec, override, clientIp: ctx.input.clientIp });
}

/** The report one cluster's credential starts from: the reader, the published server and its warning. */
function credentialReport(ctx: MintContext, server: PublishedServer): ComponentReport {
  const { creds } = ctx;
  const report: ComponentReport = {
    component: 'credentials',
    state: 'in-sync',
    reason: `reader ${creds.namespace}/${creds.serviceAccount}, published server ${server.server}`,
    changes: [],
    writes: 0,
  };
  if (server.warning !== undefined) report.warnings = [server.warning];
  return report;
}

/** The credential in force for one cluster and the CA to render it with. */
interface HeldCredential {
  record: CredentialRecord | undefined;
  caPem: string | undefined;
}

/**
 * Brings a reached cluster's credential up to date (reader objects, CA, a token when due); errors are
 * in the report and leave what was held. A cluster this pass did not reach keeps its stored credential.
 */
async function refreshCredential(ctx: MintContext, cluster: ValidCluster, report: ComponentReport): Promise<HeldCredential> {
  const held: HeldCredential = { record: recordFor(ctx, cluster.name), caPem: undefined };
  held.caPem = held.record?.caPem;
  // A cluster this pass did not reach (unreachable, or outside a scoped pass) is not contacted: it keeps
  // its stored credential (the daemon's timer brings its own pass when it is due). Without one (a
  // rename in flight) it waits for a pass of its own, which mints one; the daemon's first pass covers all.
  if (!ctx.input.reachable(cluster.name)) {
    report.reason += held.record
      ? `; not reached by this pass: the stored credential (expires ${held.record.expiresAt ?? 'never'}) is published`
      : '; not reached by this pass and no credential yet';
    return held;
  }
  try {
    const client = ctx.input.connect(cluster);
    const observed = await observeCredential(ctx, cluster, client);
    if (observed.awaiting) {
      ctx.awaiting.add(cluster.name);
      report.reason += `; namespace ${ctx.creds.namespace} does not exist yet (istio-remote not installed): the credential waits for the cluster's own reconcile`;
      return held;
    }
    await ensureReader(ctx, await observed.reader, report);
    held.caPem = await caPemOf(client, ctx.creds.namespace);
    held.record = await mintIfDue(ctx, cluster, { client, caPem: held.caPem, binding: await observed.binding }, report);
  } catch (err) {
    failed(report, err);
  }
  return held;
}

/** Whether the stored token's binding object is still there ('unknown': no token is stored). */
type BindingState = 'present' | 'gone' | 'unknown';

/** What a credential's refresh reads first: whether it waits for the install, the reader's plan, the stored binding's state. */
interface ObservedCredential {
  awaiting: boolean;
  /** Settled by the time `awaiting` is known; a failed read rejects when awaited (after the awaiting check, as before). */
  reader: Promise<ReaderObjectsPlan>;
  binding: Promise<BindingState>;
}

/**
 * Reads a cluster's credential state in one round trip instead of three: the release namespace (does
 * the credential wait for the install?), the reader's RBAC objects and the stored token's binding
 * object are independent reads, so they are asked together. Reads only.
 */
async function observeCredential(ctx: MintContext, cluster: ValidCluster, client: ClusterClient): Promise<ObservedCredential> {
  const record = recordFor(ctx, cluster.name);
  const reader = planReader(ctx, cluster, client);
  const binding: Promise<BindingState> = record ? bindingStateOf(client, record.binding) : Promise.resolve('unknown');
  // Neither rejects unheard: each failure surfaces where it is awaited, as when they were read one after another.
  reader.catch(() => undefined);
  binding.catch(() => undefined);
  const awaiting = await awaitsItsInstall(ctx, client);
  await Promise.allSettled([reader, binding]);
  return { awaiting, reader, binding };
}

/**
 * True when the reader lives in the release namespace and that namespace does not exist yet: the
 * cluster's own reconcile (its key, in the daemon) installs istio-remote and creates it, then
 * enqueues the registry key again. Minting meanwhile would fail with a 404 and retry on a backoff
 * against a cluster that is parked or still installing. Another namespace is the operator's: a
 * missing one stays an error.
 */
async function awaitsItsInstall(ctx: MintContext, client: ClusterClient): Promise<boolean> {
  if (ctx.creds.namespace !== ctx.opts.config.release.namespace) return false;
  try {
    await client.core.readNamespace({ name: ctx.creds.namespace });
    return false;
  } catch (err) {
    return httpStatusOf(err) === 404;
  }
}

/** Mints (when due) and renders one cluster's credential; errors are in the report and a stored credential is still published. */
async function mintedFor(ctx: MintContext, cluster: ValidCluster): Promise<{ kubeconfig?: string; report: ComponentReport }> {
  const { opts, creds } = ctx;
  const server = serverFor(ctx, cluster);
  const report = credentialReport(ctx, server);
  const { record, caPem } = await refreshCredential(ctx, cluster, report);
  if (report.changes.length > 0 && report.state === 'in-sync') report.state = 'out-of-sync';
  if (record) ctx.touched.add(cluster.name);
  const token = opts.mode === 'plan' && record === undefined ? PLACEHOLDER_TOKEN : record?.token;
  if (token === undefined || caPem === undefined) return { report };
  return { report, kubeconfig: renderReaderKubeconfig({ cluster: cluster.name, server: server.server, caPem, token, user: creds.serviceAccount }) };
}

async function revokeRetired(ctx: MintContext, cluster: ValidCluster, report: ComponentReport): Promise<void> {
  const state = ctx.opts.state;
  let record = recordFor(ctx, cluster.name);
  if (!state || !record) return;
  if (record.publishedAt === undefined) {
    record = { ...record, publishedAt: ctx.now.toISOString() };
    await state.credentials.put(record, { deferred: true });
  }
  const due = retiringDue(record, ctx.policy, ctx.now);
  if (due.length === 0) return;
  const client = ctx.input.connect(cluster);
  for (const ref of due) report.writes += await revokeBinding(client, ref);
  await state.credentials.put({ ...record, retiring: record.retiring.filter((r) => !due.includes(r)) });
  report.changes.push(
    ...due.map((r) => ({ op: 'delete' as const, kind: 'Secret', namespace: r.namespace, name: r.name, detail: ['replaced credential revoked'] })),
  );
}

/** Revokes every binding of a left cluster's credential, deletes the reader's objects and forgets the record; throws on the first failure. */
async function revokeEverything(
  ctx: MintContext,
  cluster: ValidCluster,
  report: ComponentReport,
  held: { record: CredentialRecord | undefined; journal: ObjectJournal | undefined },
): Promise<void> {
  const { record, journal } = held;
  const client = ctx.input.connect(cluster);
  for (const ref of record ? [record.binding, ...record.retiring] : []) report.writes += await revokeBinding(client, ref);
  const rbac = await planReaderObjects(client, [], journal, false);
  report.changes.push(...rbac.changes);
  if (rbac.writes) report.writes += await rbac.apply(ctx.opts.signal);
  await ctx.opts.state?.credentials.remove(cluster.name);
}

async function revokeLeft(ctx: MintContext, cluster: ValidCluster): Promise<ComponentReport> {
  const report: ComponentReport = {
    component: `credentials/${cluster.name}`,
    state: 'removed',
    reason: 'the cluster left the mesh: its Pilot credential is revoked',
    changes: [],
    writes: 0,
  };
  const state = ctx.opts.state;
  const record = state?.credentials.get(cluster.name);
  const journal = journalsOf(state, cluster.name)?.(CREDENTIALS_OWNER);
  if (!record && (journal?.entries().size ?? 0) === 0) return report;
  try {
    await revokeEverything(ctx, cluster, report, { record, journal });
  } catch (err) {
    failed(report, err);
  }
  return report;
}

/** Operator mode: the operator's kubeconfigs, file paths inlined where meshd can read them. */
async function operatorKubeconfigs(opts: PassOptions, clusters: readonly ValidCluster[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of clusters) out.set(c.name, await inlineKubeconfigFiles(c.kubeconfigText, opts.snapshot.dir));
  return out;
}

/**
 * The credentials the registry publishes this pass. `minted` (meshd.yaml's default): per published
 * cluster (remotes; every cluster in configmap mode, whose ConfigMap also lists the control plane)
 * the reader's RBAC objects are applied, a token is minted when none is stored or its rotation time
 * has come, and a kubeconfig with inline CA, that token and the published server is rendered.
 * `operator` (or no `credentials` in the PassConfig): the operator's kubeconfigs with file paths
 * inlined. Never throws: errors are in each cluster's `credentials` component.
 */
export async function credentialsStep(opts: PassOptions, input: CredentialsInput): Promise<CredentialsOutcome> {
  const creds = opts.config.credentials;
  const needing = input.clusters.filter((c) => opts.config.registry.mode === 'configmap' || c.role === 'remote');
  if (creds === undefined || creds.mode === 'operator') {
    const kubeconfigs = await operatorKubeconfigs(opts, needing);
    return { kubeconfigs, components: new Map(), afterPublish: () => Promise.resolve([]), statuses: () => [], awaitingInstall: [] };
  }
  const ctx: MintContext = { opts, creds, policy: policyOf(creds), now: opts.now?.() ?? new Date(), input, touched: new Set(), awaiting: new Set() };
  const kubeconfigs = new Map<string, string>();
  const components = new Map<string, ComponentReport>();
  // Each cluster's credential is its own (its own lock, its own cluster): they are brought up to date
  // concurrently, within the pass's bound, and reported in the registry's order.
  const outcomes = await mapLimit(needing, Math.max(1, opts.config.concurrency), (c) =>
    opts.state ? opts.state.credentials.withLock(c.name, () => mintedFor(ctx, c)) : mintedFor(ctx, c),
  );
  needing.forEach((c, i) => {
    const { kubeconfig, report } = outcomes[i] as Awaited<ReturnType<typeof mintedFor>>;
    components.set(c.name, report);
    if (kubeconfig !== undefined) kubeconfigs.set(c.name, kubeconfig);
  });
  const afterPublish = async (published: boolean): Promise<ComponentReport[]> => {
    if (opts.mode !== 'apply') return [];
    if (published) {
      for (const c of needing.filter((n) => ctx.touched.has(n.name))) {
        const report = components.get(c.name);
        if (report) await revokeRetired(ctx, c, report).catch((err: unknown) => failed(report, err));
      }
    }
    const left: ComponentReport[] = [];
    for (const c of input.left) left.push(await revokeLeft(ctx, c));
    return left;
  };
  const statuses = (): CredentialStatus[] => (opts.state?.credentials.all() ?? []).map((r) => statusOf(r, ctx.policy));
  return { kubeconfigs, components, afterPublish, statuses, awaitingInstall: [...ctx.awaiting] };
}

/** The /status view of a credential record. */
export function statusOf(r: CredentialRecord, policy: RotationPolicy): CredentialStatus {
  const status: CredentialStatus = { cluster: r.cluster, kind: r.kind, serviceAccount: `${r.namespace}/${r.serviceAccount}`, issuedAt: r.issuedAt };
  if (r.expiresAt !== undefined) status.expiresAt = r.expiresAt;
  const due = rotationDueAt(r, policy.rotateAt);
  if (due) status.rotateAt = due.toISOString();
  const next = nextCredentialEvent(r, policy);
  if (next) status.nextEventAt = next.toISOString();
  return status;
}
