import type { ClusterSpec } from './cluster-schema.js';
import type { Finding } from './finding.js';

/** The control plane runs Istio (pilotCfgStore true); remotes join it. */
export type ClusterRole = 'control-plane' | 'remote';

/**
 * A cluster whose descriptor file, and the kubeconfig it names, passed validation. Plain data,
 * owned by the DirectoryValidation (or DesiredMesh) that holds it. `kubeconfigText` is a
 * credential: never log it or put it in /status.
 */
export interface ValidCluster {
  /** metadata.name, a DNS-1123 label, unique in the directory. */
  name: string;
  /** The descriptor's file name in the directory. */
  file: string;
  role: ClusterRole;
  /** config.istio.io/pilotEndpoint (host:port), the same string on every cluster. */
  pilotEndpoint: string;
  /** config.istio.io/platform: 'Kubernetes' or '' (0.8.0 allowed it empty). */
  platform: string;
  /** config.istio.io/accessConfigFile: the kubeconfig's file name in the directory. */
  accessConfigFile: string;
  /** The kubeconfig file's content. */
  kubeconfigText: string;
  /** The API server URL of the kubeconfig's current context. */
  server: string;
  /** This document's own source text (a file may hold several documents). */
  descriptorText: string;
  /** All metadata.annotations, values as strings (YAML true becomes "true"). */
  annotations: Record<string, string>;
  /** The descriptor's spec, when it has one. */
  spec?: ClusterSpec;
}

/**
 * The verdict on one directory snapshot. Per file, so the daemon can keep the last good version
 * of a cluster whose file broke (rule 2): `clusters` come only from files without errors, and
 * `invalidFiles` lists files with errors (descriptors, and kubeconfigs with errors of their own).
 * `directoryErrors` are problems of the directory as a whole (no control plane, two control planes,
 * registry over 1 MiB, directory missing): the daemon then keeps the last good mesh (rule 4).
 */
export interface DirectoryValidation {
  /** Every finding, errors and warnings, file-level and directory-level, sorted by file:line:col. */
  findings: Finding[];
  /** Clusters from valid files, sorted by name. */
  clusters: ValidCluster[];
  /** Files with errors, sorted. */
  invalidFiles: string[];
  /** Errors about the directory as a whole (also included in `findings`). */
  directoryErrors: Finding[];
  /** File name → content of each valid descriptor file and each kubeconfig they name: what the registry publishes. */
  registryFiles: Record<string, string>;
  /** True when there is no error at all (warnings allowed). */
  valid: boolean;
}
