import { describe, expect, it } from 'vitest';
import type { ClusterReport, ComponentReport, PassReport } from './types.js';
import { reportedErrors } from './report-errors.js';

const component = (over: Partial<ComponentReport> = {}): ComponentReport => ({ component: 'helm-template', state: 'failed', reason: '', changes: [], writes: 0, ...over });
const cluster = (name: string, over: Partial<ClusterReport> = {}): ClusterReport => ({ name, role: 'remote', server: 'https://192.0.2.1', reachable: true, state: 'error', warnings: [], components: [], ...over });
const pass = (clusters: ClusterReport[], registry?: ComponentReport): PassReport => ({ mode: 'apply', findings: [], directoryValid: true, clusters, errors: [], changes: 0, writes: 0, converged: false, ...(registry ? { registry } : {}) });

describe('reportedErrors: every error of a report as data', () => {
  it.each([
    { name: 'nothing failed', report: pass([cluster('r1', { state: 'converged', components: [component({ state: 'in-sync' })] })]), errors: [] },
    { name: 'an unreachable cluster is retried', report: pass([cluster('r1', { lastError: 'refused', lastErrorCode: 'MESHD_ERR_UNREACHABLE' })]), errors: [{ code: 'MESHD_ERR_UNREACHABLE', retry: 'backoff', where: 'r1' }] },
    { name: 'an unserved API is parked', report: pass([cluster('r1', { components: [component({ error: 'x', errorCode: 'MESHD_ERR_UNSERVED_API', terminal: true })] })]), errors: [{ code: 'MESHD_ERR_UNSERVED_API', retry: 'terminal', where: 'r1/helm-template' }] },
    { name: 'a thrower that knows better: a chart that does not render', report: pass([cluster('r1', { components: [component({ error: 'exit 1', errorCode: 'MESHD_ERR_HELM', terminal: true })] })]), errors: [{ code: 'MESHD_ERR_HELM', retry: 'terminal', where: 'r1/helm-template' }] },
    { name: 'an error without a code', report: pass([cluster('r1', { components: [component({ error: 'boom' })] })]), errors: [{ code: 'unknown', retry: 'backoff', where: 'r1/helm-template' }] },
    { name: 'the registry', report: pass([], component({ component: 'registry', error: 'conflict', errorCode: 'MESHD_ERR_NOT_OWNED', terminal: true })), errors: [{ code: 'MESHD_ERR_NOT_OWNED', retry: 'terminal', where: 'registry' }] },
  ])('$name', ({ report, errors }) => {
    expect(reportedErrors(report)).toEqual(errors);
  });
});
