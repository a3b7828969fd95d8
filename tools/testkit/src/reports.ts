import type { ClusterReport, ComponentReport, PassReport } from '@meshd/core';

/** Builds a ClusterReport for tests; `over` replaces any field. */
export function clusterReport(name: string, over: Partial<ClusterReport> = {}): ClusterReport {
  return {
    name,
    role: name === 'cp' ? 'control-plane' : 'remote',
    server: `https://127.0.0.1:6443/${name}`,
    reachable: true,
    version: 'v1.34.4',
    state: 'converged',
    warnings: [],
    components: [],
    ...over,
  };
}

/** Builds a ComponentReport for tests. */
export function componentReport(component: string, over: Partial<ComponentReport> = {}): ComponentReport {
  return { component, state: 'in-sync', reason: 'up to date', changes: [], writes: 0, ...over };
}

/** Builds a converged PassReport over `clusters` for tests; `over` replaces any field. */
export function passReport(clusters: ClusterReport[], over: Partial<PassReport> = {}): PassReport {
  return {
    mode: 'apply',
    part: 'mesh',
    findings: [],
    directoryValid: true,
    controlPlane: 'cp',
    endpoints: { pilot: '192.0.2.5', policy: '192.0.2.6', statsd: '192.0.2.7' },
    clusters,
    registry: componentReport('registry'),
    errors: [],
    changes: 0,
    writes: 0,
    converged: true,
    ...over,
  };
}
