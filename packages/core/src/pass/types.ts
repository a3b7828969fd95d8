import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterClient } from '../cluster/client.js';
import type { ReportError } from '../errors.js';
import type { Finding } from '../descriptor/finding.js';
import type { DirectorySnapshot } from '../descriptor/snapshot.js';
import type { DesiredMesh } from '../descriptor/mesh.js';
import type { DiscoveredEndpoints } from '../discovery/components.js';
import type { LoadedPlugin } from '../plugin/define.js';
import type { AppliedStep, Logger, MeshEndpoints, PlannedChange } from '../plugin/types.js';
import type { HelmProbe } from '../prereq/check-versions.js';
import type { ClusterFactsCache } from '../prereq/facts-cache.js';
import type { StateStore } from '../state/store.js';

/** What a pass reports for one component on one cluster (a ComponentPlan without its apply). */
export interface ComponentReport {
  component: string;
  state: string;
  reason: string;
  changes: PlannedChange[];
  /** What went wrong, with its code and retry class (`terminal`: parked until the input changes). */
  error?: ReportError;
  /** What the operator must hear about even without an error (a tampered inventory); copied to the cluster's warnings. */
  warnings?: string[];
  /** What the plan changed on the way (compat conversions). */
  notes?: string[];
  /** Write requests actually sent, failed ones the API server answered included. */
  writes: number;
  /** Core's release engine, apply mode: each step taken (state → action, writes), in order. */
  steps?: AppliedStep[];
  /** The state observed after the last step. */
  finalState?: string;
  /** Why the release engine stopped: converged, nothing-to-do (locked, unmanaged), no-progress, step-limit. */
  stopped?: string;
}

/**
 * Where a cluster stands after a pass. `failed`: the cluster or the input said no (a 4xx, a denied
 * write, an invalid object, a chart that does not render), each with its code; `error`: meshd broke
 * (MESHD_ERR_INTERNAL, an unexpected throw), a bug to report.
 */
export type ClusterState =
  'converged' | 'changes-pending' | 'failed' | 'error' | 'unreachable' | 'unauthorized' | 'blocked' | 'removed' | 'kept' | 'held' | 'renamed';

/** One cluster in a pass report. Never holds credentials. */
export interface ClusterReport {
  name: string;
  role: 'control-plane' | 'remote';
  server: string;
  reachable: boolean;
  version?: string;
  state: ClusterState;
  /**
   * Why the cluster is not converged, with its code and retry class: `terminal` only when every
   * failure on it is (parked, not retried, until the input changes); otherwise retried with backoff.
   */
  lastError?: ReportError;
  warnings: string[];
  components: ComponentReport[];
  /** True when the cluster is in the mesh only as its last good version (its file is invalid or gone). */
  fromLastGood?: boolean;
  /** State `renamed`: the name the same cluster (same kube-system UID) goes by now. */
  renamedTo?: string;
}

/** One cluster's minted Pilot credential as /status and metrics show it (no secret in it). */
export interface CredentialStatus {
  cluster: string;
  kind: 'token-request' | 'legacy-token';
  serviceAccount: string;
  issuedAt: string;
  /** Absent for legacy tokens (no expiry). */
  expiresAt?: string;
  /** When the next token is minted. */
  rotateAt?: string;
  /** The next moment this credential needs a pass (rotation, or revoking a replaced one): the daemon's timer. */
  nextEventAt?: string;
}

/** Result of one reconcile pass (plan or apply). */
export interface PassReport {
  mode: 'plan' | 'apply';
  findings: Finding[];
  directoryValid: boolean;
  controlPlane?: string;
  endpoints?: MeshEndpoints;
  /** Which pods the endpoints came from (the daemon passes it back as previousEndpoints). */
  discovered?: DiscoveredEndpoints;
  clusters: ClusterReport[];
  registry?: ComponentReport;
  /** Mesh-wide errors (no control plane, the registry unreadable…), each with its code and retry class. */
  errors: ReportError[];
  /** Changes planned (plan) or carried out (apply). */
  changes: number;
  writes: number;
  /** True when everything desired is live and no error was met. */
  converged: boolean;
  /** The desired mesh this pass worked from (the daemon keeps it as the last good version). */
  mesh?: DesiredMesh;
  /** Minted credentials: expiry and rotation time per cluster (never the token). */
  credentials?: CredentialStatus[];
  /** Removals the deletion budget holds (every leaving cluster, not only this pass's scope), and why. */
  held?: { clusters: string[]; reason: string };
  /** The part of the mesh this pass reconciled (absent: `mesh`, the whole of it). */
  part?: PassPart;
  /**
   * A `clusters` pass: true when what the registry publishes may have changed — a cluster joined
   * (its member record written), its recorded descriptor or kubeconfig changed, it left (removed,
   * renamed). Always true without a state directory (no memory to compare with).
   */
  membershipChanged?: boolean;
  /**
   * Clusters whose credential waits for istio-remote's install: the reader lives in the release
   * namespace, which does not exist yet. The cluster's own reconcile creates it; the daemon then runs
   * the registry key again.
   */
  awaitingInstall?: string[];
}

/** Which part of the mesh a pass reconciles (see PassOptions.part). */
export type PassPart = 'mesh' | 'clusters' | 'registry';

/**
 * The control plane's istio-system pods matching a label selector, from a cache (the daemon's pod
 * watch); undefined when the cache cannot answer (not synced, not watched): discovery lists then.
 */
export type ControlPlanePodSource = (labelSelector: string) => readonly V1Pod[] | undefined;

/** Everything a pass needs; the pass reads nothing else (no env, no globals). */
export interface PassOptions {
  mode: 'plan' | 'apply';
  snapshot: DirectorySnapshot;
  config: PassConfig;
  plugins: readonly LoadedPlugin[];
  logger: Logger;
  signal?: AbortSignal;
  /**
   * Asks a helm client for its version, for the prerequisite check (≥ 2.7.2). Core calls it only for
   * the clients that the plugins serving this pass's remotes declare (`needs: ['helm']`,
   * `helmBinary`), once per client: a mesh whose plugins need no helm never runs one. Undefined skips the helm check.
   */
  helm?: (binary: string) => Promise<HelmProbe>;
  /** The last pass's discovery: its pod choice is kept while still eligible (no flapping). */
  previousEndpoints?: DiscoveredEndpoints;
  /** The daemon's last good mesh; a one-shot run recovers it from the state directory instead. */
  lastGood?: DesiredMesh;
  /**
   * meshd's memory on the bastion: member records (last good versions, removals), the journal of
   * created objects. Undefined: no memory (a pass then removes nothing it did not see in the directory).
   */
  state?: StateStore;
  /** `meshd apply --allow-removals N`: confirms up to N removals the deletion budget holds. */
  allowRemovals?: number;
  /** The clock for held-since stamps (tests inject one). */
  now?: () => Date;
  /**
   * Which part of the mesh this pass reconciles (the daemon's work-queue keys choose one):
   * - `mesh` (default; the CLI): every cluster in `scope`, then the credentials and the registry;
   * - `clusters` (a cluster key): the clusters in `scope` only (their components, their removal when
   *   they left, their member records) — no credential is minted or revoked, the registry is not
   *   read or written; the report says whether membership changed (`membershipChanged`);
   * - `registry` (the registry key): every remote observed (probed, prerequisites judged, no
   *   component run), credentials minted/rotated/revoked, the registry written; departed members'
   *   credentials revoked and their records forgotten. Its report lists only the control plane.
   */
  part?: PassPart;
  /** Limits which clusters a `mesh` or `clusters` pass acts on. Undefined: every cluster. */
  scope?: ReadonlySet<string>;
  /**
   * Where discovery gets the control plane's Pilot/Mixer/statsd pods (the daemon's watch cache).
   * Undefined, or a source that answers undefined (not synced): discovery lists them.
   */
  controlPlanePods?: ControlPlanePodSource;
  /** Connection factory (tests and benchmarks may count or wrap connections). */
  connect?: (name: string, kubeconfigText: string) => ClusterClient;
  /**
   * When the work this pass does began (performance.now(): the daemon's key was taken off the queue,
   * after whatever enqueued it). Reads of facts no pass writes (a cluster's version, CIDRs, identity)
   * that another pass started since then are shared instead of repeated. Undefined: nothing shared.
   */
  startedAt?: number;
  /**
   * The one-shot CLI's facts kept across runs (state/kept-facts.ts: the state directory's facts
   * file under ClusterFactsCache's rule). Used only without `startedAt` (the daemon keeps its own).
   * Undefined: every cluster's facts are read.
   */
  keptFacts?: ClusterFactsCache;
}

/** `credentials:` as a pass uses it (durations in milliseconds). */
export interface PassCredentials {
  mode: 'minted' | 'operator';
  serviceAccount: string;
  namespace: string;
  lifetime: number;
  rotateAt: number;
  retireAfter: number;
  rules: { apiGroups: string[]; resources: string[]; verbs: ('get' | 'list' | 'watch')[]; resourceNames?: string[] | undefined }[];
  legacyToken: boolean;
}

/** The settings a pass uses (a subset of MeshdConfig). */
export interface PassConfig {
  backend: string;
  release: { name: string; namespace: string };
  endpoints: { pilot?: string; policy?: string; statsd?: string };
  registry: { mode: 'configmap' | 'secrets'; namespace?: string; restartPilot?: boolean; secretUpdate?: 'recreate' | 'patch' };
  /**
   * What the registry hands Pilot (meshd.yaml `credentials`, default minted). Undefined here means
   * `operator` (the operator's kubeconfigs, as the guide did): a PassConfig built by hand opts in.
   */
  credentials?: PassCredentials;
  prune: boolean;
  adopt: boolean;
  concurrency: number;
  clusters: Record<string, Record<string, unknown>>;
  /** The deletion budget; default { maxPerPass: 1 }. */
  removals?: { maxPerPass: number };
}
