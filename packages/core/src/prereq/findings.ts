/**
 * What a prerequisite finding is about: the detail of one catalogue code, MESHD_ERR_PREREQUISITE
 * (retried with backoff: a cluster upgrade or a new helm fixes it without an input change), which a
 * blocked cluster's `lastError` carries.
 */
export type PrerequisiteCode =
  | 'KUBERNETES_TOO_OLD'
  | 'KUBERNETES_VERSION_UNKNOWN'
  | 'CIDR_OVERLAP'
  | 'CIDR_INVALID'
  | 'POD_CIDR_UNKNOWN'
  | 'SERVICE_CIDR_UNKNOWN'
  | 'PILOT_NOT_FOUND'
  | 'PILOT_NOT_MULTICLUSTER'
  | 'HELM_UNAVAILABLE'
  | 'HELM_TOO_OLD'
  | 'HELM_VERSION_UNKNOWN';

/**
 * One result of the prerequisite checks. An `error` means the cluster must not be joined (or kept
 * being updated) until it is fixed; a `warning` is shown in status and logs and blocks nothing.
 */
export interface PrerequisiteFinding {
  severity: 'error' | 'warning';
  code: PrerequisiteCode;
  /** Names the cluster(s) concerned, e.g. "cluster east: Kubernetes v1.6.0 is older than 1.7.3". */
  message: string;
}

/** A finding attached to the cluster it is reported on. */
export interface ClusterFinding extends PrerequisiteFinding {
  cluster: string;
}

/** An error finding for `cluster`. */
export function errorFor(cluster: string, code: PrerequisiteCode, message: string): ClusterFinding {
  return { cluster, severity: 'error', code, message };
}

/** A warning finding for `cluster`. */
export function warningFor(cluster: string, code: PrerequisiteCode, message: string): ClusterFinding {
  return { cluster, severity: 'warning', code, message };
}
